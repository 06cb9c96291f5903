package codec

// EngineType is an Engine.IO v4 packet type.
type EngineType byte

// Engine.IO packet types.
const (
	Open EngineType = iota
	Close
	Ping
	Pong
	Message
	Upgrade
	Noop
)

func (t EngineType) String() string { panic("unimplemented") }

// EnginePacket is one Engine.IO packet. Binary is meaningful only for
// Message packets (a binary message carries raw bytes, no type digit).
type EnginePacket struct {
	Type   EngineType
	Data   []byte
	Binary bool
}

// AppendEngine appends p as one WebSocket (or stream) message body: the type
// digit followed by the data for text packets, the raw data for a binary
// Message.
func AppendEngine(dst []byte, p EnginePacket) []byte { panic("unimplemented") }

// ParseEngine parses one WebSocket message body. binary reports a binary
// frame (always a Message). The returned Data aliases b.
func ParseEngine(b []byte, binary bool) (EnginePacket, error) { panic("unimplemented") }
