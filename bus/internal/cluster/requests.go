package cluster

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/sockbus/sockbus/bus"
)

// Errors of Requests; the adapters translate them into their own.
var (
	// ErrClosed is returned by Open and OpenAck after Close, and by Wait
	// when Close interrupts it.
	ErrClosed = errors.New("cluster: requests closed")
	// ErrTimeout is returned by Wait when the responses did not all arrive
	// in time.
	ErrTimeout = errors.New("cluster: request timed out")
)

// Kind says which part of the responses a request keeps.
type Kind int

// Request kinds.
const (
	// FetchSockets keeps Response.Sockets.
	FetchSockets Kind = iota + 1
	// AllRooms keeps Response.Rooms, without duplicates.
	AllRooms
	// ServerSideEmit keeps Response.Ack when it is not nil.
	ServerSideEmit
)

// Response is one server's answer to a request.
type Response struct {
	Sockets []bus.SocketInfo
	Rooms   []string
	Ack     *bus.Args // nil: no acknowledgement
}

// Result is what a request collected: Got of the Want responses.
type Result struct {
	Sockets []bus.SocketInfo
	Rooms   []string
	Acks    []bus.Args
	Got     int
	Want    int
}

// AckHandler receives the answers to a broadcast with acknowledgements:
// each server's client count, then the clients' acknowledgements.
type AckHandler struct {
	ClientCount func(int)
	Ack         func(bus.Args)
}

// Requests is the registry of one adapter's pending requests, by request
// id. The zero value is not usable; call NewRequests. Its methods are safe
// for concurrent use and call no user code while holding its lock.
type Requests struct {
	mu     sync.Mutex
	closed bool
	stop   chan struct{} // closed by Close
	waits  map[string]*Request
	acks   map[string]*AckHandler
}

// NewRequests returns an empty registry.
func NewRequests() *Requests {
	return &Requests{stop: make(chan struct{}), waits: make(map[string]*Request), acks: make(map[string]*AckHandler)}
}

// Request is a request waiting for Want responses. Its owner calls Wait
// and then Close; Collect adds responses from other goroutines.
type Request struct {
	r    *Requests
	id   string
	kind Kind
	res  Result        // guarded by r.mu until done is closed
	done chan struct{} // closed when res.Got == res.Want
}

// Open registers a request of kind waiting for want (> 0) responses under
// id, which the caller chose unique. It fails with ErrClosed after Close.
// The caller must Close the request.
func (r *Requests) Open(id string, kind Kind, want int) (*Request, error) {
	q := &Request{r: r, id: id, kind: kind, res: Result{Want: want}, done: make(chan struct{})}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	r.waits[id] = q
	return q, nil
}

// Close forgets the request: later responses to it are ignored.
func (q *Request) Close() {
	q.r.mu.Lock()
	delete(q.r.waits, q.id)
	q.r.mu.Unlock()
}

// Wait waits for all the responses, ctx, the registry's Close or timeout,
// whichever comes first. It returns what arrived, with ctx.Err(),
// ErrClosed or ErrTimeout when not all of it did.
func (q *Request) Wait(ctx context.Context, timeout time.Duration) (Result, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	var err error
	select {
	case <-q.done:
		return q.res, nil // complete: no more changes
	case <-ctx.Done():
		err = ctx.Err()
	case <-q.r.stop:
		err = ErrClosed
	case <-t.C:
		err = ErrTimeout
	}
	q.r.mu.Lock()
	defer q.r.mu.Unlock()
	res := q.res
	res.Sockets, res.Rooms, res.Acks = slices.Clone(res.Sockets), slices.Clone(res.Rooms), slices.Clone(res.Acks)
	return res, err
}

// Collect adds a response to the request id, keeping the part its kind
// wants. Responses to unknown or complete requests are ignored; Collect
// reports whether it counted this one.
func (r *Requests) Collect(id string, resp Response) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.waits[id]
	if q == nil || q.res.Got >= q.res.Want {
		return false
	}
	res := &q.res
	res.Got++
	switch q.kind {
	case FetchSockets:
		res.Sockets = append(res.Sockets, resp.Sockets...)
	case AllRooms:
		for _, room := range resp.Rooms {
			if !slices.Contains(res.Rooms, room) {
				res.Rooms = append(res.Rooms, room)
			}
		}
	case ServerSideEmit:
		if resp.Ack != nil {
			res.Acks = append(res.Acks, *resp.Ack)
		}
	}
	if res.Got == res.Want {
		close(q.done)
	}
	return true
}

// Waiting reports whether the request id waits for more responses, for
// skipping the decoding of responses to other servers' requests.
func (r *Requests) Waiting(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.waits[id]
	return q != nil && q.res.Got < q.res.Want
}

// OpenAck registers the handler of a broadcast with acknowledgements under
// id for timeout. It fails with ErrClosed after Close.
func (r *Requests) OpenAck(id string, timeout time.Duration, h AckHandler) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.acks[id] = &h
	r.mu.Unlock()
	time.AfterFunc(timeout, func() { r.DropAck(id) })
	return nil
}

// Ack returns the handler registered under id, or nil.
func (r *Requests) Ack(id string) *AckHandler {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acks[id]
}

// DropAck forgets the handler registered under id.
func (r *Requests) DropAck(id string) {
	r.mu.Lock()
	delete(r.acks, id)
	r.mu.Unlock()
}

// Close drops the acknowledgement handlers, makes the waiting requests
// return ErrClosed and Open and OpenAck fail. It is idempotent.
func (r *Requests) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	clear(r.acks)
	close(r.stop)
}

// AckTimeout returns how long a broadcast with acknowledgements waits: the
// broadcast's own timeout flag when set, else until ctx's deadline, else
// the adapter's requests timeout.
func AckTimeout(ctx context.Context, flag, requests time.Duration) time.Duration {
	if flag > 0 {
		return flag
	}
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return requests
}

// NonNil returns s, or an empty slice when s is nil (JSON [] rather than
// null, as Node sends).
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
