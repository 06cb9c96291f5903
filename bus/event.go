package bus

import (
	"fmt"
	"sync/atomic"
)

// Handler handles an event.
type Handler func(*Event)

// Event is one event delivered to a Handler: an event from the client,
// a lifecycle event (disconnecting, disconnect, error) or a server-side
// emit. The Handler may keep it; Args are read-only.
type Event struct {
	// Name is the event name.
	Name string
	// Args are the event's arguments (decode with Args.Decode).
	Args Args
	// Reason is set for "disconnecting" and "disconnect".
	Reason DisconnectReason
	// Err is set for "error" (a packet middleware's error).
	Err error

	socket *Socket
	ack    func([]any) error // server-side emits; nil for client events
	ackID  uint64            // client events: the id to answer, when hasID
	hasID  bool
	acked  atomic.Bool
}

// Socket returns the socket the event came from (nil for server-side emits).
func (e *Event) Socket() *Socket { return e.socket }

// WantsAck reports whether the sender asked for an acknowledgement.
func (e *Event) WantsAck() bool { return e.ack != nil || e.hasID }

// Ack acknowledges the event with args ([]byte allowed anywhere; an Args
// among them is spliced in as for Socket.Emit, so e.Ack(e.Args) answers
// with the event's own arguments, binary as BINARY_ACK). It fails
// with ErrNoAck when no acknowledgement was asked for and ErrAcked after
// the first call. It never blocks.
func (e *Event) Ack(args ...any) error {
	if !e.WantsAck() {
		return fmt.Errorf("bus: ack %q: %w", e.Name, ErrNoAck)
	}
	if !e.acked.CompareAndSwap(false, true) {
		return fmt.Errorf("bus: ack %q: %w", e.Name, ErrAcked)
	}
	var err error
	if e.ack != nil {
		err = e.ack(args)
	} else {
		err = e.socket.sendAck(e.ackID, args)
	}
	if err != nil {
		return fmt.Errorf("bus: ack %q: %w", e.Name, err)
	}
	return nil
}

// Arg decodes argument i of e into a T. A missing argument or a type
// mismatch is an error (codec.ErrNoArg, or the JSON error), never a panic.
func Arg[T any](e *Event, i int) (T, error) {
	var v T
	if err := e.Args.Decode(i, &v); err != nil {
		return v, fmt.Errorf("bus: event %q argument %d: %w", e.Name, i, err)
	}
	return v, nil
}

// On1 adds a listener for ev whose first argument is decoded into a T. A
// decoding error is handed to fn as err (v is then the zero T); fn can
// still acknowledge through e.
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
