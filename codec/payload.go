package codec

// PayloadSeparator joins packets in a polling payload.
const PayloadSeparator = '\x1e'

// AppendPayloadPacket appends p in polling form: the type digit and the text,
// or "b" and the standard base64 of a binary Message. Callers join packets
// with PayloadSeparator.
func AppendPayloadPacket(dst []byte, p EnginePacket) []byte { panic("unimplemented") }

// PayloadPacketLen is len(AppendPayloadPacket(nil, p)), computed without
// encoding, so writers can keep a payload under maxPayload.
func PayloadPacketLen(p EnginePacket) int { panic("unimplemented") }

// DecodePayload splits a polling payload (a POST body) into packets and calls
// fn for each, stopping at the first error from fn. Base64 packets are decoded
// into new slices; text packets' Data alias b. An empty payload, an empty
// packet or an unknown type is a *SyntaxError.
func DecodePayload(b []byte, fn func(EnginePacket) error) error { panic("unimplemented") }
