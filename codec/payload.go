package codec

import (
	"bytes"
	"encoding/base64"
)

// PayloadSeparator joins packets in a polling payload.
const PayloadSeparator = '\x1e'

// AppendPayloadPacket appends p in polling form: the type digit and the text,
// or "b" and the standard base64 of a binary Message. Callers join packets
// with PayloadSeparator.
func AppendPayloadPacket(dst []byte, p EnginePacket) []byte {
	if p.Binary && p.Type == Message {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	return AppendEngine(dst, p)
}

// PayloadPacketLen is len(AppendPayloadPacket(nil, p)), computed without
// encoding, so writers can keep a payload under maxPayload.
func PayloadPacketLen(p EnginePacket) int {
	if p.Binary && p.Type == Message {
		return 1 + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return 1 + len(p.Data)
}

// DecodePayload splits a polling payload (a POST body) into packets and calls
// fn for each, stopping at the first error from fn. Base64 packets are decoded
// into new slices; text packets' Data alias b. An empty payload, an empty
// packet, an unknown type or bad base64 is a *SyntaxError; fn is called for
// the packets before the bad one.
func DecodePayload(b []byte, fn func(EnginePacket) error) error {
	if len(b) == 0 {
		return &SyntaxError{Offset: 0, Msg: "empty payload"}
	}
	off := 0
	for {
		part := b[off:]
		n := bytes.IndexByte(part, PayloadSeparator)
		if n >= 0 {
			part = part[:n]
		}
		p, err := decodePayloadPacket(part, off)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if n < 0 {
			return nil
		}
		off += n + 1
	}
}

func decodePayloadPacket(part []byte, off int) (EnginePacket, error) {
	if len(part) > 0 && part[0] == 'b' {
		data := make([]byte, base64.StdEncoding.DecodedLen(len(part)-1))
		n, err := base64.StdEncoding.Decode(data, part[1:])
		if err != nil {
			return EnginePacket{}, &SyntaxError{Offset: off + 1, Msg: "bad base64: " + err.Error()}
		}
		return EnginePacket{Type: Message, Data: data[:n], Binary: true}, nil
	}
	p, err := ParseEngine(part, false)
	if err != nil {
		se := err.(*SyntaxError)
		se.Offset += off
		return EnginePacket{}, se
	}
	return p, nil
}
