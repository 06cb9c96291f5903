package codec

import "strconv"

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

var engineTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the Engine.IO name of t ("open", "message", …), or
// "EngineType(N)" for an unknown value.
func (t EngineType) String() string {
	if int(t) < len(engineTypeNames) {
		return engineTypeNames[t]
	}
	return "EngineType(" + strconv.Itoa(int(t)) + ")"
}

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
func AppendEngine(dst []byte, p EnginePacket) []byte {
	if p.Binary && p.Type == Message {
		return append(dst, p.Data...)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// engineLen is len(AppendEngine(nil, p)).
func engineLen(p EnginePacket) int {
	if p.Binary && p.Type == Message {
		return len(p.Data)
	}
	return 1 + len(p.Data)
}

// ParseEngine parses one WebSocket message body. binary reports a binary
// frame (always a Message). The returned Data aliases b. An empty text body
// or an unknown type digit is a *SyntaxError.
func ParseEngine(b []byte, binary bool) (EnginePacket, error) {
	if binary {
		return EnginePacket{Type: Message, Data: b, Binary: true}, nil
	}
	if len(b) == 0 {
		return EnginePacket{}, &SyntaxError{Offset: 0, Msg: "empty packet"}
	}
	if b[0] < '0' || b[0] > '0'+byte(Noop) {
		return EnginePacket{}, &SyntaxError{Offset: 0, Msg: "unknown packet type " + strconv.Quote(string(b[:1]))}
	}
	p := EnginePacket{Type: EngineType(b[0] - '0')}
	if len(b) > 1 {
		p.Data = b[1:]
	}
	return p, nil
}
