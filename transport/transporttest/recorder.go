package transporttest

import (
	"sync"
	"time"

	"github.com/sockbus/sockbus/transport"
)

// Recorder is a transport.Handler that records what it receives. Its zero
// value is ready to use; it is safe for concurrent use.
type Recorder struct {
	// Block, when set, is received from before every OnMessage returns, so
	// a test can stall the reader.
	Block chan struct{}

	mu      sync.Mutex
	conn    transport.Conn
	msgs    []*transport.Message
	reasons []error
	changed chan struct{}
}

func (r *Recorder) notify() {
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// OnOpen records c.
func (r *Recorder) OnOpen(c transport.Conn, _ transport.Handshake) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conn = c
	r.notify()
	return nil
}

// OnMessage records m.
func (r *Recorder) OnMessage(_ transport.Conn, m *transport.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.notify()
	block := r.Block
	r.mu.Unlock()
	if block != nil {
		<-block
	}
}

// OnClose records reason.
func (r *Recorder) OnClose(_ transport.Conn, reason error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reasons = append(r.reasons, reason)
	r.notify()
}

// Conn returns the Conn given to OnOpen, or nil.
func (r *Recorder) Conn() transport.Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conn
}

// Messages returns a copy of the messages received so far.
func (r *Recorder) Messages() []*transport.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*transport.Message(nil), r.msgs...)
}

// Reasons returns the reasons of the OnClose calls so far.
func (r *Recorder) Reasons() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.reasons...)
}

// Wait waits until cond (called under the recorder's lock) holds or timeout
// passes, and reports whether it held.
func (r *Recorder) Wait(timeout time.Duration, cond func(msgs []*transport.Message, reasons []error) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		if cond(r.msgs, r.reasons) {
			r.mu.Unlock()
			return true
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}
