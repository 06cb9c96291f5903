package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

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

var packetTypeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the protocol name of t ("EVENT", "BINARY_ACK", …), or
// "PacketType(N)" for an unknown value.
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

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

// Default limits.
const (
	DefaultMaxAttachments = 10
	DefaultMaxPacketSize  = 1_000_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = DefaultMaxAttachments
	}
	if l.MaxPacketSize <= 0 {
		l.MaxPacketSize = DefaultMaxPacketSize
	}
	return l
}

// wireType is the type p is sent as: EVENT and ACK with attachments become
// their binary forms, and the binary forms without attachments the plain
// ones, as the JS encoder does.
func (p *Packet) wireType() PacketType {
	switch {
	case p.Type == Event && len(p.Attachments) > 0:
		return BinaryEvent
	case p.Type == Ack && len(p.Attachments) > 0:
		return BinaryAck
	case p.Type == BinaryEvent && len(p.Attachments) == 0:
		return Event
	case p.Type == BinaryAck && len(p.Attachments) == 0:
		return Ack
	}
	return p.Type
}

// AppendPacket appends the text form of p:
// <type>[<n>-][<nsp>,][<id>][<data>]. The namespace is omitted when "/".
// The attachments are sent after it as separate binary messages. The type
// written follows the attachments: an EVENT or ACK with attachments is sent
// as BINARY_EVENT or BINARY_ACK and vice versa. Values is not encoded. It
// does not allocate when dst has room.
func AppendPacket(dst []byte, p *Packet) []byte {
	t := p.wireType()
	dst = append(dst, '0'+byte(t))
	if t == BinaryEvent || t == BinaryAck {
		dst = strconv.AppendInt(dst, int64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != "/" {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Digit limits of the text form, as in the reference parsers.
const (
	maxAttachmentDigits = 10
	maxIDDigits         = 100
)

// ParsePacket parses the text form of a packet (without attachments; for
// binary types, Attachments is allocated with the announced length and
// filled by the caller or a Decoder). It validates per type: EVENT data is
// a non-empty array whose first element is a string (or number) and not a
// reserved name; ACK data an array; CONNECT data absent or an object;
// CONNECT_ERROR an object (or string); DISCONNECT no data.
//
// Data aliases b. Errors are a *SyntaxError or wrap one of
// ErrPayloadTooLarge, ErrTooManyAttachments, ErrIDTooLong, ErrReservedEvent.
func ParsePacket(b []byte, lim Limits) (*Packet, error) {
	p := new(Packet)
	if err := parsePacket(p, b, lim); err != nil {
		return nil, err
	}
	return p, nil
}

// parsePacket is ParsePacket into p.
func parsePacket(p *Packet, b []byte, lim Limits) error {
	lim = lim.withDefaults()
	if len(b) > lim.MaxPacketSize {
		return fmt.Errorf("codec: packet of %d bytes over %d: %w", len(b), lim.MaxPacketSize, ErrPayloadTooLarge)
	}
	if len(b) == 0 {
		return &SyntaxError{Offset: 0, Msg: "empty packet"}
	}
	if b[0] < '0' || b[0] > '0'+byte(BinaryAck) {
		return &SyntaxError{Offset: 0, Msg: "unknown packet type " + strconv.Quote(string(b[:1]))}
	}
	*p = Packet{Type: PacketType(b[0] - '0'), Namespace: "/"}
	i := 1
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		n, err := parseAttachments(b, lim)
		if err != nil {
			return err
		}
		p.Attachments = make([][]byte, n)
		i = skipDigits(b, 1) + 1
	}
	if i < len(b) && b[i] == '/' {
		s := i
		for i < len(b) && b[i] != ',' {
			i++
		}
		p.Namespace = string(b[s:i])
		if i < len(b) {
			i++ // ','
		}
	}
	if i < len(b) && isDigit(b[i]) {
		e := skipDigits(b, i)
		if e-i > maxIDDigits {
			return fmt.Errorf("codec: ack id of %d digits: %w", e-i, ErrIDTooLong)
		}
		id, ok := parseUint64(b[i:e])
		if !ok {
			return fmt.Errorf("codec: ack id %s: %w", b[i:e], ErrIDTooLong)
		}
		p.ID, p.HasID = id, true
		i = e
	}
	if i < len(b) {
		p.Data = b[i:]
	}
	if err := validData(p.Type, p.Data, i); err != nil {
		return err
	}
	return nil
}

// parseUint64 parses decimal digits, reporting false on overflow.
func parseUint64(digits []byte) (uint64, bool) {
	var n uint64
	for _, c := range digits {
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// parseAttachments parses the "<n>-" after a binary type digit.
func parseAttachments(b []byte, lim Limits) (int, error) {
	e := skipDigits(b, 1)
	if e-1 > maxAttachmentDigits {
		return 0, fmt.Errorf("codec: attachment count of %d digits: %w", e-1, ErrTooManyAttachments)
	}
	if e == 1 || e >= len(b) || b[e] != '-' {
		return 0, &SyntaxError{Offset: e, Msg: "illegal attachments"}
	}
	n, _ := strconv.Atoi(string(b[1:e])) // at most 10 digits: fits
	if n < 1 {
		return 0, &SyntaxError{Offset: 1, Msg: "illegal attachments"}
	}
	if n > lim.MaxAttachments {
		return 0, fmt.Errorf("codec: %d attachments over %d: %w", n, lim.MaxAttachments, ErrTooManyAttachments)
	}
	return n, nil
}

// validData checks the payload of a packet of type t found at offset off.
func validData(t PacketType, data []byte, off int) error {
	if len(data) == 0 {
		switch t {
		case Connect, Disconnect:
			return nil
		}
		return &SyntaxError{Offset: off, Msg: "missing payload for " + t.String()}
	}
	if t == Disconnect {
		return &SyntaxError{Offset: off, Msg: "unexpected payload for DISCONNECT"}
	}
	if isSpace(data[0]) || !valid(data) {
		return &SyntaxError{Offset: off, Msg: "invalid JSON payload"}
	}
	first := data[0]
	switch t {
	case Connect:
		if first != '{' {
			return &SyntaxError{Offset: off, Msg: "CONNECT payload is not an object"}
		}
	case ConnectError:
		if first != '{' && first != '"' {
			return &SyntaxError{Offset: off, Msg: "CONNECT_ERROR payload is not an object"}
		}
	case Ack, BinaryAck:
		if first != '[' {
			return &SyntaxError{Offset: off, Msg: t.String() + " payload is not an array"}
		}
	case Event, BinaryEvent:
		name, err := eventName(data)
		if err != nil {
			err.(*SyntaxError).Offset += off
			return err
		}
		if IsReserved(name) {
			return fmt.Errorf("codec: event %q: %w", name, ErrReservedEvent)
		}
	}
	return nil
}

// eventName returns the name of the valid JSON event array data, or a
// *SyntaxError.
func eventName(data []byte) (string, error) {
	i := skipSpace(data, 0)
	if data[i] != '[' {
		return "", &SyntaxError{Offset: i, Msg: "event payload is not an array"}
	}
	i = skipSpace(data, i+1)
	switch c := data[i]; {
	case c == '"':
		return unquote(data[i:skipString(data, i)])
	case c == '-' || isDigit(c):
		return string(data[i:skipValue(data, i)]), nil
	case c == ']':
		return "", &SyntaxError{Offset: i, Msg: "empty event array"}
	}
	return "", &SyntaxError{Offset: i, Msg: "event name is not a string"}
}

// unquote decodes a valid JSON string literal.
func unquote(s []byte) (string, error) {
	if body := s[1 : len(s)-1]; bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(s[1 : len(s)-1]), nil
	}
	var v string
	if err := json.Unmarshal(s, &v); err != nil {
		return "", &SyntaxError{Offset: 0, Msg: "bad string: " + err.Error()}
	}
	return v, nil
}

// EventName returns the event name of an EVENT/BINARY_EVENT packet's Data
// and the raw JSON of the remaining arguments as a list. A numeric name is
// returned as written. The rest alias data.
func EventName(data json.RawMessage) (name string, rest []json.RawMessage, err error) {
	return AppendEventArgs(make([]json.RawMessage, 0, 4), data)
}

// AppendEventArgs is EventName appending the remaining arguments to dst:
// it does not allocate for them when dst has room. On error dst is
// returned unchanged.
func AppendEventArgs(dst []json.RawMessage, data json.RawMessage) (name string, args []json.RawMessage, err error) {
	args, ok := appendElements(dst, data, 1)
	if !ok {
		return "", dst, &SyntaxError{Offset: 0, Msg: "invalid JSON"}
	}
	if name, err = eventName(data); err != nil {
		return "", dst, err
	}
	return name, args, nil
}

// IsReserved reports whether name is a reserved Socket.IO event name:
// connect, connect_error, disconnect, disconnecting, newListener,
// removeListener.
func IsReserved(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

// Decoder reassembles packets and their binary attachments from a sequence of
// Engine.IO messages. Use one per connection; it is not safe for concurrent
// use. The zero value is ready, with default Limits.
type Decoder struct {
	Limits Limits
	// Owned means that the data passed to Feed is handed over (as a
	// transport.Handler owns the messages it is given) and never modified
	// afterwards: packets then alias it instead of copying it.
	Owned bool
	// Reuse means that the caller is done with a returned Packet (not with
	// the bytes it points to) by its next call to Feed, so that the Decoder
	// can keep one Packet for every packet it returns.
	Reuse bool

	pending *Packet
	have    int
	pkt     Packet // the storage of returned packets, when Reuse
}

// Feed takes one Engine.IO message body. It returns a complete packet (nil
// while attachments are still pending). Binary data is copied when retained;
// text data is copied into Packet.Data (neither is copied when Owned).
// After an error the Decoder is reset and the connection should be closed
// ("parse error"). A binary message with
// no packet pending is ErrUnexpectedBinary, a text message while attachments
// are pending ErrUnexpectedText, an attachment over Limits.MaxPacketSize
// ErrPayloadTooLarge; ParsePacket reports the rest.
func (d *Decoder) Feed(data []byte, binary bool) (*Packet, error) {
	if binary {
		return d.feedBinary(data)
	}
	if d.pending != nil {
		d.Reset()
		return nil, ErrUnexpectedText
	}
	p := &d.pkt
	if !d.Reuse {
		p = new(Packet)
	}
	if err := parsePacket(p, data, d.Limits); err != nil {
		return nil, err
	}
	if len(p.Data) > 0 && !d.Owned {
		p.Data = append(json.RawMessage(nil), p.Data...)
	}
	if len(p.Attachments) > 0 {
		d.pending = p
		return nil, nil
	}
	return p, nil
}

func (d *Decoder) feedBinary(data []byte) (*Packet, error) {
	p := d.pending
	if p == nil {
		return nil, ErrUnexpectedBinary
	}
	if lim := d.Limits.withDefaults(); len(data) > lim.MaxPacketSize {
		d.Reset()
		return nil, fmt.Errorf("codec: attachment of %d bytes over %d: %w", len(data), lim.MaxPacketSize, ErrPayloadTooLarge)
	}
	switch {
	case !d.Owned:
		data = append(make([]byte, 0, len(data)), data...)
	case data == nil:
		data = []byte{} // an empty attachment is still bytes, never null
	}
	p.Attachments[d.have] = data
	d.have++
	if d.have < len(p.Attachments) {
		return nil, nil
	}
	d.Reset()
	if err := checkPlaceholders(p); err != nil {
		return nil, err
	}
	return p, nil
}

// checkPlaceholders rejects a binary packet whose placeholders do not index
// its attachments, as socket.io-parser does ("illegal attachments").
func checkPlaceholders(p *Packet) error {
	i := skipSpace(p.Data, 0)
	if i >= len(p.Data) || !mayHoldPlaceholder(p.Data) {
		return nil
	}
	var buf [8]numSpan
	if _, _, err := findPlaceholders(p.Data, i, len(p.Attachments), buf[:0]); err != nil {
		return fmt.Errorf("codec: illegal attachments: %w", err)
	}
	return nil
}

// Pending reports whether a packet is waiting for attachments.
func (d *Decoder) Pending() bool { return d.pending != nil }

// Reset drops any packet waiting for attachments.
func (d *Decoder) Reset() {
	d.pending = nil
	d.have = 0
}
