// Package emitter is a concurrency-safe event emitter in the manner of
// Node's EventEmitter and Socket.IO's socket API: named listeners (On, Once,
// Prepend), catch-all listeners (OnAny, PrependAny, OffAny) and catch-all
// outgoing listeners (OnAnyOutgoing, …). It knows nothing of wire formats.
//
// # Concurrency
//
// Listeners are stored copy-on-write: every change takes a mutex, copies the
// affected list and publishes a new immutable snapshot. Emit loads the
// current snapshot and calls the listeners in order without holding any
// lock, so a listener may add or remove listeners; such a change applies to
// later emits only, never to the emit in progress. A listener added with
// Once runs at most once, even when several goroutines emit concurrently.
//
// # Panics
//
// A panicking listener is recovered, reported through OnPanic and as a
// *PanicError from Emit, and the remaining listeners still run.
//
// The zero Emitter is ready to use. All methods are safe for concurrent use.
// An Emitter must not be copied after first use.
package emitter
