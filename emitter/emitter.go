package emitter

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
)

// ErrReserved is returned when emitting a reserved event name.
var ErrReserved = errors.New("emitter: reserved event name")

// Reserved lists the Socket.IO v4 reserved event names.
var Reserved = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// IsReserved reports whether name is reserved (see Reserved).
func IsReserved(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

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
//
// The zero Emitter is ready to use; all methods are safe for concurrent use.
// An Emitter must not be copied after first use.
type Emitter[A any] struct {
	// OnPanic, if set, is called (after recovery, outside any lock) for every
	// listener that panics. Set it before first use.
	OnPanic func(*PanicError)
	// OnNewListener and OnRemoveListener, if set, are called with the event
	// name after a listener is added or removed (Node's newListener and
	// removeListener). Set them before first use. They are called outside
	// any lock, once per listener, for named listeners only (not for
	// catch-all listeners).
	OnNewListener    func(event string)
	OnRemoveListener func(event string)

	mu   sync.Mutex // serialises writers of snap
	snap atomic.Pointer[snapshot[A]]
}

// listener is one registration. Its identity is its pointer.
type listener[A any] struct {
	fn    func(A)
	anyFn func(string, A)
	once  bool
	fired atomic.Bool // for once listeners: set by the one call allowed
}

// snapshot is an immutable view of all listeners. Writers replace it whole;
// the slices and the map it holds are never modified once published.
type snapshot[A any] struct {
	events map[string][]*listener[A]
	any    []*listener[A]
	out    []*listener[A]
}

// kind selects the list a listener lives in.
type kind uint8

const (
	named kind = iota
	anyIn
	anyOut
)

func (e *Emitter[A]) load() *snapshot[A] {
	if s := e.snap.Load(); s != nil {
		return s
	}
	return &snapshot[A]{}
}

// list returns the list of k (and event) in s.
func (s *snapshot[A]) list(k kind, event string) []*listener[A] {
	switch k {
	case anyIn:
		return s.any
	case anyOut:
		return s.out
	}
	return s.events[event]
}

// with returns a copy of s whose list of k (and event) is l. The map is
// copied only when a named list changes.
func (s *snapshot[A]) with(k kind, event string, l []*listener[A]) *snapshot[A] {
	n := *s
	switch k {
	case anyIn:
		n.any = l
	case anyOut:
		n.out = l
	default:
		n.events = make(map[string][]*listener[A], len(s.events)+1)
		for ev, ls := range s.events {
			n.events[ev] = ls
		}
		if len(l) == 0 {
			delete(n.events, event)
		} else {
			n.events[event] = l
		}
	}
	return &n
}

// add registers l in list k (at the front if first) and returns its remover.
func (e *Emitter[A]) add(k kind, event string, l *listener[A], first bool) (off func()) {
	e.mu.Lock()
	s := e.load()
	old := s.list(k, event)
	nl := make([]*listener[A], 0, len(old)+1)
	if first {
		nl = append(append(nl, l), old...)
	} else {
		nl = append(append(nl, old...), l)
	}
	e.snap.Store(s.with(k, event, nl))
	e.mu.Unlock()
	if k == named && e.OnNewListener != nil {
		e.OnNewListener(event)
	}
	return func() { e.remove(k, event, l) }
}

// remove unregisters l from list k; it is a no-op if l is not there.
func (e *Emitter[A]) remove(k kind, event string, l *listener[A]) {
	e.mu.Lock()
	s := e.load()
	old := s.list(k, event)
	i := slices.Index(old, l)
	if i < 0 {
		e.mu.Unlock()
		return
	}
	nl := make([]*listener[A], 0, len(old)-1)
	nl = append(append(nl, old[:i]...), old[i+1:]...)
	e.snap.Store(s.with(k, event, nl))
	e.mu.Unlock()
	if k == named && e.OnRemoveListener != nil {
		e.OnRemoveListener(event)
	}
}

// On adds fn for event and returns a func that removes it (idempotent).
func (e *Emitter[A]) On(event string, fn func(A)) (off func()) {
	return e.add(named, event, &listener[A]{fn: fn}, false)
}

// Once is On for a listener removed before its first call. It runs at most
// once, even under concurrent emits.
func (e *Emitter[A]) Once(event string, fn func(A)) (off func()) {
	return e.add(named, event, &listener[A]{fn: fn, once: true}, false)
}

// Prepend is On adding fn before the existing listeners of event.
func (e *Emitter[A]) Prepend(event string, fn func(A)) (off func()) {
	return e.add(named, event, &listener[A]{fn: fn}, true)
}

// RemoveAll removes every listener of the named events, or of all events
// when none is named. Any-listeners are untouched. OnRemoveListener is
// called once per removed listener.
func (e *Emitter[A]) RemoveAll(events ...string) {
	e.mu.Lock()
	s := e.load()
	var removed []string
	n := *s
	if len(events) == 0 {
		for ev, ls := range s.events {
			for range ls {
				removed = append(removed, ev)
			}
		}
		n.events = nil
	} else {
		n.events = make(map[string][]*listener[A], len(s.events))
		for ev, ls := range s.events {
			if slices.Contains(events, ev) {
				for range ls {
					removed = append(removed, ev)
				}
				continue
			}
			n.events[ev] = ls
		}
	}
	e.snap.Store(&n)
	e.mu.Unlock()
	if e.OnRemoveListener != nil {
		slices.Sort(removed)
		for _, ev := range removed {
			e.OnRemoveListener(ev)
		}
	}
}

// ListenerCount returns the number of listeners of event.
func (e *Emitter[A]) ListenerCount(event string) int { return len(e.load().events[event]) }

// EventNames returns the names of events that have listeners, sorted.
func (e *Emitter[A]) EventNames() []string {
	s := e.load()
	names := make([]string, 0, len(s.events))
	for ev := range s.events {
		names = append(names, ev)
	}
	slices.Sort(names)
	return names
}

// OnAny adds a catch-all listener called for every emitted event, before
// the named listeners. It returns its remover.
func (e *Emitter[A]) OnAny(fn func(event string, a A)) (off func()) {
	return e.add(anyIn, "", &listener[A]{anyFn: fn}, false)
}

// PrependAny is OnAny adding fn before the existing catch-all listeners.
func (e *Emitter[A]) PrependAny(fn func(event string, a A)) (off func()) {
	return e.add(anyIn, "", &listener[A]{anyFn: fn}, true)
}

// OffAny removes every catch-all listener.
func (e *Emitter[A]) OffAny() { e.clear(anyIn) }

// AnyCount returns the number of catch-all listeners.
func (e *Emitter[A]) AnyCount() int { return len(e.load().any) }

// OnAnyOutgoing adds a catch-all listener for outgoing events (see
// EmitOutgoing) and returns its remover.
func (e *Emitter[A]) OnAnyOutgoing(fn func(event string, a A)) (off func()) {
	return e.add(anyOut, "", &listener[A]{anyFn: fn}, false)
}

// PrependAnyOutgoing is OnAnyOutgoing adding fn first.
func (e *Emitter[A]) PrependAnyOutgoing(fn func(event string, a A)) (off func()) {
	return e.add(anyOut, "", &listener[A]{anyFn: fn}, true)
}

// OffAnyOutgoing removes every outgoing catch-all listener.
func (e *Emitter[A]) OffAnyOutgoing() { e.clear(anyOut) }

// clear empties catch-all list k.
func (e *Emitter[A]) clear(k kind) {
	e.mu.Lock()
	e.snap.Store(e.load().with(k, "", nil))
	e.mu.Unlock()
}

// Emit calls the catch-all listeners and then the listeners of event with a,
// in order. It refuses reserved names with ErrReserved (use EmitReserved for
// lifecycle events). It returns whether any listener was called, and the
// panics of listeners joined as *PanicError values.
func (e *Emitter[A]) Emit(event string, a A) (called bool, err error) {
	if IsReserved(event) {
		return false, fmt.Errorf("%w: %q", ErrReserved, event)
	}
	s := e.load()
	var errs []error
	called = e.callAny(s.any, event, a, &errs)
	if e.callNamed(s.events[event], event, a, &errs) {
		called = true
	}
	return called, errors.Join(errs...)
}

// EmitReserved is Emit without the reserved-name check, for the owner's
// lifecycle events (connect, disconnect, …). Catch-all listeners are not
// called for reserved names; for other names it behaves as Emit.
func (e *Emitter[A]) EmitReserved(event string, a A) (called bool, err error) {
	if !IsReserved(event) {
		return e.Emit(event, a)
	}
	var errs []error
	called = e.callNamed(e.load().events[event], event, a, &errs)
	return called, errors.Join(errs...)
}

// EmitOutgoing calls the outgoing catch-all listeners with event and a, in
// order, and returns the panics of listeners joined as *PanicError values.
func (e *Emitter[A]) EmitOutgoing(event string, a A) error {
	var errs []error
	e.callAny(e.load().out, event, a, &errs)
	return errors.Join(errs...)
}

// callAny calls the catch-all listeners ls and reports whether there were any.
func (e *Emitter[A]) callAny(ls []*listener[A], event string, a A, errs *[]error) bool {
	for _, l := range ls {
		e.report(event, l.callAny(event, a), errs)
	}
	return len(ls) > 0
}

// callNamed calls the named listeners ls and reports whether any ran.
func (e *Emitter[A]) callNamed(ls []*listener[A], event string, a A, errs *[]error) (called bool) {
	for _, l := range ls {
		if l.once {
			if !l.fired.CompareAndSwap(false, true) {
				continue
			}
			e.remove(named, event, l)
		}
		called = true
		e.report(event, l.call(event, a), errs)
	}
	return called
}

// report hands a recovered panic to OnPanic and appends it to errs.
func (e *Emitter[A]) report(event string, p *PanicError, errs *[]error) {
	if p == nil {
		return
	}
	if e.OnPanic != nil {
		e.OnPanic(p)
	}
	*errs = append(*errs, p)
}

func (l *listener[A]) call(event string, a A) (p *PanicError) {
	defer recoverInto(event, &p)
	l.fn(a)
	return nil
}

func (l *listener[A]) callAny(event string, a A) (p *PanicError) {
	defer recoverInto(event, &p)
	l.anyFn(event, a)
	return nil
}

// recoverInto, deferred, turns a panic into *p.
func recoverInto(event string, p **PanicError) {
	if v := recover(); v != nil {
		*p = &PanicError{Event: event, Value: v, Stack: debug.Stack()}
	}
}
