// Package emitter is a concurrency-safe event emitter in the manner of
// Node's EventEmitter and Socket.IO's socket API: named listeners (On, Once,
// Prepend), catch-all listeners (OnAny, PrependAny, OffAny) and catch-all
// outgoing listeners (OnAnyOutgoing, …). It knows nothing of wire formats.
//
// Listeners are stored copy-on-write: Emit loads a snapshot and calls the
// listeners in registration order without holding any lock, so a listener
// may add or remove listeners (the change applies to later emits). A
// panicking listener is recovered, reported through OnPanic and as a
// *PanicError from Emit, and the remaining listeners still run.
//
// The zero Emitter is ready to use. All methods are safe for concurrent use.
package emitter

import (
	"errors"
	"fmt"
)

// ErrReserved is returned when emitting a reserved event name.
var ErrReserved = errors.New("emitter: reserved event name")

// Reserved lists the Socket.IO v4 reserved event names.
var Reserved = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// IsReserved reports whether name is reserved (see Reserved).
func IsReserved(name string) bool { panic("unimplemented") }

// PanicError reports a listener that panicked.
type PanicError struct {
	Event string
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack at the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("emitter: listener for %q panicked: %v", e.Event, e.Value)
}

// Emitter dispatches values of type A to listeners by event name.
type Emitter[A any] struct {
	// OnPanic, if set, is called (after recovery, outside any lock) for every
	// listener that panics. Set it before first use.
	OnPanic func(*PanicError)
	// OnNewListener and OnRemoveListener, if set, are called with the event
	// name after a listener is added or removed (Node's newListener and
	// removeListener). Set them before first use.
	OnNewListener    func(event string)
	OnRemoveListener func(event string)
}

// On adds fn for event and returns a func that removes it (idempotent).
func (e *Emitter[A]) On(event string, fn func(A)) (off func()) { panic("unimplemented") }

// Once is On for a listener removed before its first call.
func (e *Emitter[A]) Once(event string, fn func(A)) (off func()) { panic("unimplemented") }

// Prepend is On adding fn before the existing listeners of event.
func (e *Emitter[A]) Prepend(event string, fn func(A)) (off func()) { panic("unimplemented") }

// RemoveAll removes every listener of the named events, or of all events
// when none is named. Any-listeners are untouched.
func (e *Emitter[A]) RemoveAll(events ...string) { panic("unimplemented") }

// ListenerCount returns the number of listeners of event.
func (e *Emitter[A]) ListenerCount(event string) int { panic("unimplemented") }

// EventNames returns the names of events that have listeners, sorted.
func (e *Emitter[A]) EventNames() []string { panic("unimplemented") }

// OnAny adds a catch-all listener called for every emitted event, before
// the named listeners. It returns its remover.
func (e *Emitter[A]) OnAny(fn func(event string, a A)) (off func()) { panic("unimplemented") }

// PrependAny is OnAny adding fn before the existing catch-all listeners.
func (e *Emitter[A]) PrependAny(fn func(event string, a A)) (off func()) { panic("unimplemented") }

// OffAny removes every catch-all listener.
func (e *Emitter[A]) OffAny() { panic("unimplemented") }

// AnyCount returns the number of catch-all listeners.
func (e *Emitter[A]) AnyCount() int { panic("unimplemented") }

// OnAnyOutgoing adds a catch-all listener for outgoing events (see
// EmitOutgoing) and returns its remover.
func (e *Emitter[A]) OnAnyOutgoing(fn func(event string, a A)) (off func()) { panic("unimplemented") }

// PrependAnyOutgoing is OnAnyOutgoing adding fn first.
func (e *Emitter[A]) PrependAnyOutgoing(fn func(event string, a A)) (off func()) {
	panic("unimplemented")
}

// OffAnyOutgoing removes every outgoing catch-all listener.
func (e *Emitter[A]) OffAnyOutgoing() { panic("unimplemented") }

// Emit calls the catch-all listeners and then the listeners of event with a,
// in order. It refuses reserved names with ErrReserved (use EmitReserved for
// lifecycle events). It returns whether any listener was called, and the
// panics of listeners joined as *PanicError values.
func (e *Emitter[A]) Emit(event string, a A) (called bool, err error) { panic("unimplemented") }

// EmitReserved is Emit without the reserved-name check, for the owner's
// lifecycle events (connect, disconnect, …). Catch-all listeners are not
// called for reserved names.
func (e *Emitter[A]) EmitReserved(event string, a A) (called bool, err error) {
	panic("unimplemented")
}

// EmitOutgoing calls the outgoing catch-all listeners with event and a.
func (e *Emitter[A]) EmitOutgoing(event string, a A) error { panic("unimplemented") }
