package bus

import (
	"errors"
	"fmt"

	"github.com/sockbus/sockbus/emitter"
	"github.com/sockbus/sockbus/transport"
)

// Errors returned by bus. They are wrapped with the operation; test with
// errors.Is.
var (
	// ErrReserved is returned when emitting a reserved event name (connect,
	// connect_error, disconnect, disconnecting, newListener, removeListener).
	// It is emitter.ErrReserved.
	ErrReserved = emitter.ErrReserved
	// ErrNotConnected is returned by operations on a disconnected socket.
	ErrNotConnected = errors.New("bus: socket not connected")
	// ErrNoAck is returned by Event.Ack when the sender asked for no
	// acknowledgement.
	ErrNoAck = errors.New("bus: no acknowledgement requested")
	// ErrAcked is returned by Event.Ack when the event was already
	// acknowledged.
	ErrAcked = errors.New("bus: already acknowledged")
	// ErrServerClosed is returned by operations on a closed Server.
	ErrServerClosed = errors.New("bus: server closed")
)

// ConnectError refuses a connection from a Middleware: the client receives
// a CONNECT_ERROR packet {"message": Message, "data": Data} (data omitted
// when nil). Any other error refuses with {"message": err.Error()}.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return "bus: connection refused: " + e.Message }

var _ error = (*ConnectError)(nil)

// DisconnectReason says why a socket was disconnected. The values are the
// Socket.IO v4 reason strings.
type DisconnectReason string

// Disconnect reasons.
const (
	ReasonTransportError            DisconnectReason = "transport error"
	ReasonTransportClose            DisconnectReason = "transport close"
	ReasonForcedClose               DisconnectReason = "forced close"
	ReasonPingTimeout               DisconnectReason = "ping timeout"
	ReasonParseError                DisconnectReason = "parse error"
	ReasonServerShutdown            DisconnectReason = "server shutting down"
	ReasonForcedServerClose         DisconnectReason = "forced server close"
	ReasonClientNamespaceDisconnect DisconnectReason = "client namespace disconnect"
	ReasonServerNamespaceDisconnect DisconnectReason = "server namespace disconnect"
)

func (r DisconnectReason) String() string { return string(r) }

// ReasonOf maps a transport close reason (see transport.Handler.OnClose) to
// a DisconnectReason with errors.Is; unknown errors are "transport error".
func ReasonOf(err error) DisconnectReason {
	switch {
	case err == nil, errors.Is(err, transport.ErrTransportClose), errors.Is(err, transport.ErrClosed):
		return ReasonTransportClose
	case errors.Is(err, transport.ErrPingTimeout):
		return ReasonPingTimeout
	case errors.Is(err, transport.ErrParse):
		return ReasonParseError
	case errors.Is(err, transport.ErrServerShutdown):
		return ReasonServerShutdown
	case errors.Is(err, transport.ErrForcedClose):
		return ReasonForcedClose
	}
	return ReasonTransportError
}

// opErr wraps err with the operation on event ev.
func opErr(op, ev string, err error) error {
	return fmt.Errorf("bus: %s %q: %w", op, ev, err)
}
