package client

import (
	"fmt"
	"sync/atomic"

	"github.com/sockbus/sockbus/codec"
)

// Args are the arguments of an event or an acknowledgement: Len, and
// Decode(i, v) into a pointer. They are read-only and safe to share.
type Args = codec.Args

// Handler handles one event. It runs on the connection's delivery goroutine
// (see the package doc); it may call any Socket method except blocking waits
// for acknowledgements on the same Manager.
type Handler func(*Event)

// Event is one event delivered to a Handler: an event from the server (Name
// and Args, Ack when the server asked for an acknowledgement), an outgoing
// event seen by OnAnyOutgoing, or a lifecycle event, which also sets Err,
// Reason or Attempt. An Event is valid during the handler call and after it;
// Ack may be called from any goroutine.
type Event struct {
	Name string
	Args Args
	// Err is the error of "connect_error", "error" and "reconnect_error".
	Err error
	// Reason is the reason of "disconnect" and of the Manager's "close".
	Reason DisconnectReason
	// Attempt is the attempt number of "reconnect_attempt" and "reconnect".
	Attempt int

	socket  *Socket
	ackID   uint64
	hasAck  bool
	session uint64 // the socket's connection the event arrived on
	acked   atomic.Bool
}

// Socket returns the socket the event belongs to (nil for Manager events).
func (e *Event) Socket() *Socket { return e.socket }

// WantsAck reports whether the server asked for an acknowledgement.
func (e *Event) WantsAck() bool { return e.hasAck }

// Ack acknowledges the event with args ([]byte allowed anywhere, not
// copied). Only the first call sends: later calls fail with ErrAcked, and
// calls for an event that asked for none with ErrNoAck. It fails with
// ErrNotConnected when the socket has disconnected since the event arrived.
// It never blocks and may be called from any goroutine.
func (e *Event) Ack(args ...any) error {
	if !e.hasAck || e.socket == nil {
		return fmt.Errorf("client: ack %q: %w", e.Name, ErrNoAck)
	}
	if !e.acked.CompareAndSwap(false, true) {
		return fmt.Errorf("client: ack %q: %w", e.Name, ErrAcked)
	}
	return e.socket.sendAck(e.session, e.ackID, args)
}

// Arg decodes argument i of e into a T. A missing argument or a type
// mismatch is an error (codec.ErrNoArg, or the JSON error), never a panic.
func Arg[T any](e *Event, i int) (T, error) {
	var v T
	if err := e.Args.Decode(i, &v); err != nil {
		return v, fmt.Errorf("client: event %q argument %d: %w", e.Name, i, err)
	}
	return v, nil
}

// On1 adds a handler for ev whose first argument is decoded into a T. A
// decoding error is handed to fn as err (v is then the zero T); fn can still
// acknowledge through e.
func On1[T any](s *Socket, ev string, fn func(e *Event, v T, err error)) (off func()) {
	return s.On(ev, func(e *Event) {
		v, err := Arg[T](e, 0)
		fn(e, v, err)
	})
}

// On2 is On1 for two arguments; err reports the first decoding error.
func On2[A, B any](s *Socket, ev string, fn func(e *Event, a A, b B, err error)) (off func()) {
	return s.On(ev, func(e *Event) {
		a, err := Arg[A](e, 0)
		var b B
		if err == nil {
			b, err = Arg[B](e, 1)
		}
		fn(e, a, b, err)
	})
}
