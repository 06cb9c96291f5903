package transport

import (
	"errors"
	"sync/atomic"
	"time"
)

// Message is one Engine.IO message: a UTF-8 text payload or a binary payload,
// without the Engine.IO packet type. For Socket.IO it holds one encoded
// Socket.IO packet or one binary attachment.
//
// A Message is immutable once sent; it is safe for concurrent use. Transports
// cache their framed form of a Message (see Framed) so that a broadcast frames
// the bytes once and shares them with every connection of that transport.
type Message struct {
	Data   []byte
	Binary bool

	frames [maxFramings]atomic.Pointer[[]byte]
}

// NewMessage returns a Message over data. The Message takes ownership of data.
func NewMessage(data []byte, binary bool) *Message {
	return &Message{Data: data, Binary: binary}
}

// Framing identifies one transport's framed form of a Message, for Framed.
// Transports obtain theirs once, at package initialisation, with NewFraming.
type Framing uint8

const maxFramings = 8

var framings atomic.Int32

// NewFraming reserves a cache slot for one framed form of Message. It is meant
// to be called from a package-level var declaration; it panics after eight
// calls, which is setup misuse.
func NewFraming() Framing {
	n := framings.Add(1) - 1
	if n >= maxFramings {
		panic("transport: too many framings")
	}
	return Framing(n)
}

// Framed returns m framed by build, computing it at most once per Framing in
// the common case (two racing callers may both build; one result wins, and
// both are correct). The returned bytes are shared and must not be modified.
func (m *Message) Framed(f Framing, build func(m *Message) []byte) []byte {
	if p := m.frames[f].Load(); p != nil {
		return *p
	}
	b := build(m)
	m.frames[f].CompareAndSwap(nil, &b)
	return *m.frames[f].Load()
}

// Handshake describes the request that opened a connection. Header and Query
// have the underlying types of http.Header and url.Values.
type Handshake struct {
	Header    map[string][]string
	Query     map[string][]string
	Address   string    // remote address, "ip:port"
	Time      time.Time // when the connection was opened
	URL       string    // request URL (path and query)
	Secure    bool      // TLS
	XDomain   bool      // an Origin header was present
	Transport string    // "websocket", "polling", "tcp" or "pipe"
}

// Conn is one open connection as the Handler sees it. All methods are safe for
// concurrent use.
type Conn interface {
	// ID is the transport-level id (the Engine.IO sid). It is not the
	// Socket.IO socket id.
	ID() string
	// Send enqueues msgs atomically and in order; it never blocks. It returns
	// ErrClosed once the connection is closed, and ErrSlowConsumer (closing the
	// connection) when the outbox bounds would be exceeded.
	Send(msgs ...*Message) error
	// Close closes the connection with reason (nil means ErrForcedClose).
	// Close is idempotent; Handler.OnClose runs once, asynchronously.
	Close(reason error) error
}

// ValueConn is an optional ability of a Conn whose peer lives in the same
// process: SendValue hands the Go value v to the peer Handler's OnValue
// without encoding it. Like Send it never blocks and keeps order with Send.
// The value is shared read-only with the peer.
type ValueConn interface {
	Conn
	SendValue(v any) error
}

// Handler receives the events of connections. For one Conn, calls never
// overlap and arrive in order: OnOpen, then OnMessage (and OnValue), then
// OnClose once.
type Handler interface {
	// OnOpen is called when a connection opens. A non-nil error refuses it:
	// the transport closes the connection and OnClose is not called.
	OnOpen(c Conn, h Handshake) error
	// OnMessage is called for every inbound message. The Handler owns m.
	OnMessage(c Conn, m *Message)
	// OnClose is called once when the connection is gone, with the reason:
	// one of the Err* values of this package, possibly wrapped.
	OnClose(c Conn, reason error)
}

// ValueHandler is an optional ability of a Handler that accepts Go values
// from an in-process peer (see ValueConn).
type ValueHandler interface {
	Handler
	OnValue(c Conn, v any)
}

// Close reasons and errors. The reasons' texts are the Socket.IO v4
// disconnect reasons, so bus can report them unchanged.
var (
	// ErrClosed is returned by Send and Close on a connection already closed.
	ErrClosed = errors.New("transport: connection closed")
	// ErrSlowConsumer closes a connection whose outbox overflowed.
	ErrSlowConsumer = errors.New("transport: slow consumer")
	// ErrTransportClose: the peer closed the connection.
	ErrTransportClose = errors.New("transport close")
	// ErrTransportError: the connection failed (I/O error, protocol error).
	ErrTransportError = errors.New("transport error")
	// ErrPingTimeout: the peer missed a heartbeat.
	ErrPingTimeout = errors.New("ping timeout")
	// ErrForcedClose: this side closed the connection on purpose.
	ErrForcedClose = errors.New("forced close")
	// ErrParse: the peer sent a packet that does not parse.
	ErrParse = errors.New("parse error")
	// ErrServerShutdown: the server is shutting down.
	ErrServerShutdown = errors.New("server shutting down")
)
