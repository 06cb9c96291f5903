package codec

import "encoding/json"

// PacketType is a Socket.IO v5 packet type.
type PacketType byte

// Socket.IO packet types.
const (
	Connect PacketType = iota
	Disconnect
	Event
	Ack
	ConnectError
	BinaryEvent
	BinaryAck
)

func (t PacketType) String() string { panic("unimplemented") }

// Packet is one Socket.IO packet. Data is the raw JSON payload: the
// arguments array for events and acks (with placeholders where binary was),
// an object for CONNECT/CONNECT_ERROR, nil when absent. Attachments hold the
// binary parts in placeholder order; a packet has type BinaryEvent or
// BinaryAck exactly when it has attachments.
type Packet struct {
	Type        PacketType
	Namespace   string // "/" when absent on the wire
	ID          uint64 // ack id, valid when HasID
	HasID       bool
	Data        json.RawMessage
	Attachments [][]byte
	// Values is the in-process form of an EVENT or ACK payload (the event
	// name first for events): Go values handed to a peer in the same process
	// through a transport.ValueConn, set instead of Data and Attachments.
	// It is never encoded on the wire; it is shared read-only.
	Values []any
}

// Limits bound what a Decoder accepts. The zero value means the defaults.
type Limits struct {
	MaxAttachments int // default 10
	MaxPacketSize  int // bytes of one text packet or attachment; default 1e6
}

// AppendPacket appends the text form of p:
// <type>[<n>-][<nsp>,][<id>][<data>]. The namespace is omitted when "/".
// The attachments are sent after it as separate binary messages.
func AppendPacket(dst []byte, p *Packet) []byte { panic("unimplemented") }

// ParsePacket parses the text form of a packet (without attachments; for
// binary types, Attachments is allocated with the announced length and
// filled by the caller or a Decoder). It validates per type: EVENT data is
// a non-empty array whose first element is a string (or number) and not a
// reserved name; ACK data an array; CONNECT data absent or an object;
// CONNECT_ERROR an object (or string); DISCONNECT no data.
func ParsePacket(b []byte, lim Limits) (*Packet, error) { panic("unimplemented") }

// EventName returns the event name of an EVENT/BINARY_EVENT packet's Data
// and the raw JSON of the remaining arguments as a list.
func EventName(data json.RawMessage) (name string, rest []json.RawMessage, err error) {
	panic("unimplemented")
}

// IsReserved reports whether name is a reserved Socket.IO event name:
// connect, connect_error, disconnect, disconnecting, newListener,
// removeListener.
func IsReserved(name string) bool { panic("unimplemented") }

// Decoder reassembles packets and their binary attachments from a sequence of
// Engine.IO messages. Use one per connection; it is not safe for concurrent
// use.
type Decoder struct {
	Limits  Limits
	pending *Packet
	have    int
}

// Feed takes one Engine.IO message body. It returns a complete packet (nil
// while attachments are still pending). Binary data is copied when retained;
// text data is copied into Packet.Data. After an error the Decoder is reset
// and the connection should be closed ("parse error").
func (d *Decoder) Feed(data []byte, binary bool) (*Packet, error) { panic("unimplemented") }
