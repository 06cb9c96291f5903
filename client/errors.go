package client

import (
	"encoding/json"
	"errors"

	"github.com/sockbus/sockbus/emitter"
)

// Sentinel errors. Operations wrap them with what failed.
var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("client: invalid config")
	// ErrClosed is returned by operations on a closed Manager, and by waits
	// for acknowledgements that the Close ended.
	ErrClosed = errors.New("client: manager closed")
	// ErrNotConnected is returned by volatile emits and acknowledgements
	// while the socket is not connected.
	ErrNotConnected = errors.New("client: socket not connected")
	// ErrBufferFull refuses an emit while the socket's send buffer (or retry
	// queue) holds Config.SendBufferSize packets.
	ErrBufferFull = errors.New("client: send buffer full")
	// ErrDisconnected ends the wait for an acknowledgement whose packet was
	// sent on a connection that is now lost, or that Disconnect abandoned.
	ErrDisconnected = errors.New("client: socket disconnected")
	// ErrAckTimeout ends the wait for a queued packet that was sent
	// Config.Retries+1 times without being acknowledged.
	ErrAckTimeout = errors.New("client: acknowledgement timed out")
	// ErrNoAck is returned by Event.Ack when the server asked for no
	// acknowledgement.
	ErrNoAck = errors.New("client: no acknowledgement requested")
	// ErrAcked is returned by Event.Ack after the first call.
	ErrAcked = errors.New("client: already acknowledged")
	// ErrReserved refuses to emit a reserved event name (connect,
	// connect_error, disconnect, disconnecting, newListener, removeListener).
	// It is emitter.ErrReserved, so errors.Is works with either.
	ErrReserved = emitter.ErrReserved
)

// ConnectError is the server's refusal of a namespace connection (a
// CONNECT_ERROR packet): the message and the optional data a middleware gave.
// It is the Err of the "connect_error" event.
type ConnectError struct {
	Message string
	Data    json.RawMessage // raw JSON, nil when the server sent none
}

// Error returns the server's message.
func (e *ConnectError) Error() string { return e.Message }

// DisconnectReason says why a socket disconnected: the Event.Reason of
// "disconnect" and of the Manager's "close". The values are the Socket.IO v4
// client strings.
type DisconnectReason string

// Disconnect reasons. After ReasonServerDisconnect and
// ReasonClientDisconnect a socket does not reconnect on its own.
const (
	ReasonServerDisconnect DisconnectReason = "io server disconnect"
	ReasonClientDisconnect DisconnectReason = "io client disconnect"
	ReasonTransportClose   DisconnectReason = "transport close"
	ReasonTransportError   DisconnectReason = "transport error"
	ReasonPingTimeout      DisconnectReason = "ping timeout"
	ReasonParseError       DisconnectReason = "parse error"
	ReasonForcedClose      DisconnectReason = "forced close"
)

// String returns the reason text.
func (r DisconnectReason) String() string { return string(r) }
