package transport

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"
)

// PipeConfig configures Pipe. The zero value is valid.
type PipeConfig struct {
	// Handshake is passed to both OnOpen calls. Transport defaults to "pipe"
	// and Time to the current time.
	Handshake Handshake
	// MaxMessages bounds each direction's queue by count. Defaults to 4096.
	MaxMessages int
	// MaxBytes bounds each direction's queue by bytes. Defaults to 16 MiB.
	MaxBytes int
}

func (c PipeConfig) withDefaults() PipeConfig {
	if c.MaxMessages <= 0 {
		c.MaxMessages = 4096
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = 16 << 20
	}
	if c.Handshake.Transport == "" {
		c.Handshake.Transport = "pipe"
	}
	if c.Handshake.Time.IsZero() {
		c.Handshake.Time = time.Now()
	}
	return c
}

// Pipe connects two Handlers in memory and returns the Conn each one sees:
// what a sends on ca reaches b.OnMessage(cb, …) and the other way round.
// It calls a.OnOpen(ca) and then b.OnOpen(cb); if either refuses, both ends
// are closed and the error is returned; a handler that refused gets no
// OnClose, one that had accepted gets OnClose(ErrTransportClose).
//
// Each direction has one delivery goroutine and a bounded queue; both
// goroutines end after their OnClose. Both Conns are ValueConns: SendValue
// hands Go values to a peer that implements ValueHandler.
func Pipe(a, b Handler, cfg PipeConfig) (ca, cb Conn, err error) {
	cfg = cfg.withDefaults()
	ea := newPipeEnd(a, cfg)
	eb := newPipeEnd(b, cfg)
	ea.peer, eb.peer = eb, ea
	if err := a.OnOpen(ea, cfg.Handshake); err != nil {
		return nil, nil, fmt.Errorf("transport: pipe open: %w", err)
	}
	if err := b.OnOpen(eb, cfg.Handshake); err != nil {
		ea.abort()
		a.OnClose(ea, ErrTransportClose)
		return nil, nil, fmt.Errorf("transport: pipe open: %w", err)
	}
	go ea.deliver()
	go eb.deliver()
	return ea, eb, nil
}

type pipeItem struct {
	msg   *Message
	value any
	eof   bool // the peer closed; deliver OnClose(ErrTransportClose)
}

// pipeEnd is one side of a Pipe. Its queue holds what its peer sent, to be
// delivered to its own handler.
type pipeEnd struct {
	id   string
	h    Handler
	peer *pipeEnd
	max  int
	maxB int

	mu     sync.Mutex
	queue  []pipeItem
	bytes  int
	closed bool  // no more Sends from this side
	reason error // set when closed locally
	wake   chan struct{}
}

func newPipeEnd(h Handler, cfg PipeConfig) *pipeEnd {
	return &pipeEnd{id: pipeID(), h: h, max: cfg.MaxMessages, maxB: cfg.MaxBytes, wake: make(chan struct{}, 1)}
}

func pipeID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ID returns the pipe end's random id.
func (e *pipeEnd) ID() string { return e.id }

// Send enqueues msgs for the peer's handler.
func (e *pipeEnd) Send(msgs ...*Message) error {
	if e.isClosed() {
		return ErrClosed
	}
	n := 0
	items := make([]pipeItem, len(msgs))
	for i, m := range msgs {
		n += len(m.Data)
		items[i] = pipeItem{msg: m}
	}
	return e.push(items, n)
}

// SendValue enqueues v for the peer's handler, which must be a ValueHandler.
func (e *pipeEnd) SendValue(v any) error {
	if _, ok := e.peer.h.(ValueHandler); !ok {
		return fmt.Errorf("transport: pipe peer takes no values: %w", errors.ErrUnsupported)
	}
	if e.isClosed() {
		return ErrClosed
	}
	return e.push([]pipeItem{{value: v}}, 0)
}

func (e *pipeEnd) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

func (e *pipeEnd) push(items []pipeItem, n int) error {
	p := e.peer
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if len(p.queue)+len(items) > p.max || p.bytes+n > p.maxB {
		p.mu.Unlock()
		e.Close(ErrSlowConsumer)
		return ErrSlowConsumer
	}
	p.queue = append(p.queue, items...)
	p.bytes += n
	p.mu.Unlock()
	p.signal()
	return nil
}

func (e *pipeEnd) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Close closes both ends: this handler gets OnClose(reason), the peer's
// handler gets OnClose(ErrTransportClose) after what was already sent to it.
func (e *pipeEnd) Close(reason error) error {
	if reason == nil {
		reason = ErrForcedClose
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	e.closed, e.reason = true, reason
	e.queue, e.bytes = nil, 0
	e.mu.Unlock()
	e.signal()
	p := e.peer
	p.mu.Lock()
	if !p.closed {
		p.queue = append(p.queue, pipeItem{eof: true})
	}
	p.mu.Unlock()
	p.signal()
	return nil
}

// abort closes an end whose handler was opened but whose pipe never started.
func (e *pipeEnd) abort() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.peer.mu.Lock()
	e.peer.closed = true
	e.peer.mu.Unlock()
}

// deliver is the end's only goroutine: it hands queued items to the handler
// in order and ends after OnClose.
func (e *pipeEnd) deliver() {
	var batch []pipeItem
	for range e.wake {
		e.mu.Lock()
		batch, e.queue = e.queue, batch[:0]
		e.bytes = 0
		closed, reason := e.closed, e.reason
		e.mu.Unlock()
		if closed && reason != nil {
			e.h.OnClose(e, reason)
			return
		}
		for i, it := range batch {
			if it.eof {
				e.closeByPeer()
				return
			}
			e.dispatch(it)
			batch[i] = pipeItem{}
		}
	}
}

func (e *pipeEnd) closeByPeer() {
	e.mu.Lock()
	e.closed = true
	e.queue = nil
	e.mu.Unlock()
	e.h.OnClose(e, ErrTransportClose)
}

func (e *pipeEnd) dispatch(it pipeItem) {
	if it.msg != nil {
		e.h.OnMessage(e, it.msg)
		return
	}
	e.h.(ValueHandler).OnValue(e, it.value)
}
