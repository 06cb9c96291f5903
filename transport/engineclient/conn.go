package engineclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// carrier is the network side of a session: one transport.
type carrier interface {
	// run starts the carrier's writer, then reads and dispatches inbound
	// packets on the session goroutine until the session closes or the
	// carrier hands over to another, which it returns.
	run(c *conn) carrier
}

// batchWriter is what a carrier's writer goroutine drives.
type batchWriter interface {
	// count reports how many of the queued items (at least one) the next
	// write takes.
	count(items []item) int
	// write sends the batch; it is called by one goroutine at a time.
	write(batch []item) error
}

// item is one queued outbound packet.
type item struct {
	typ codec.EngineType
	msg *transport.Message // Message packets only
}

func (it item) packet() codec.EnginePacket {
	if it.msg == nil {
		return codec.EnginePacket{Type: it.typ}
	}
	return codec.EnginePacket{Type: it.typ, Data: it.msg.Data, Binary: it.msg.Binary}
}

// handshake is the payload of the Engine.IO open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func parseOpen(p codec.EnginePacket) (handshake, error) {
	var hs handshake
	if p.Type != codec.Open || p.Binary {
		return hs, fmt.Errorf("%w: first packet is %v, not open", ErrHandshake, p.Type)
	}
	if err := json.Unmarshal(p.Data, &hs); err != nil {
		return hs, fmt.Errorf("%w: open packet: %w", ErrHandshake, err)
	}
	if hs.SID == "" || hs.PingInterval <= 0 || hs.PingTimeout <= 0 {
		return hs, fmt.Errorf("%w: open packet %q lacks sid or heartbeat", ErrHandshake, p.Data)
	}
	if hs.MaxPayload <= 0 {
		hs.MaxPayload = 1_000_000
	}
	return hs, nil
}

func (hs handshake) deadline() time.Duration {
	return time.Duration(hs.PingInterval+hs.PingTimeout) * time.Millisecond
}

// conn is one client session. It implements transport.Conn.
type conn struct {
	cfg     *config
	h       transport.Handler
	log     *slog.Logger
	hs      handshake
	info    transport.Handshake
	first   carrier
	initial []codec.EnginePacket // packets that came with the open packet

	ctx    context.Context // canceled on teardown
	cancel context.CancelFunc
	wake   chan struct{} // wakes the current writer
	wg     sync.WaitGroup
	done   chan struct{} // closed after OnClose
	mu     sync.Mutex    // guards the fields below

	out      []item
	outBytes int
	closed   bool
	reason   error
	bye      bool // send a close packet before tearing down
	torn     bool
	closers  []io.Closer
	ping     *time.Timer
	grace    *time.Timer

	carrying atomic.Value // string: the transport carrying the session
}

func newConn(cfg *config, hs handshake, name, url string, first carrier) *conn {
	c := &conn{
		cfg:   cfg,
		log:   cfg.Logger.With("sid", hs.SID),
		hs:    hs,
		first: first,
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		info: transport.Handshake{
			Header:    cfg.Header,
			Query:     cfg.Query,
			Address:   cfg.hostPort(),
			Time:      time.Now(),
			URL:       url,
			Secure:    cfg.secure(),
			Transport: name,
		},
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.carrying.Store(name)
	return c
}

// start hands the open session to h and starts the session goroutine.
func (c *conn) start(h transport.Handler) (transport.Conn, error) {
	c.h = h
	if err := c.callOpen(); err != nil {
		c.mu.Lock()
		c.closed, c.reason = true, transport.ErrForcedClose
		c.mu.Unlock()
		c.teardown()
		c.cfg.closeIdle()
		return nil, fmt.Errorf("engineclient: open refused: %w", err)
	}
	c.resetPing()
	go c.run()
	return c, nil
}

// ID returns the Engine.IO session id.
func (c *conn) ID() string { return c.hs.SID }

// Send enqueues msgs in order; it never blocks. See transport.Conn.
func (c *conn) Send(msgs ...*transport.Message) error {
	n := 0
	for _, m := range msgs {
		n += len(m.Data)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return transport.ErrClosed
	}
	if len(c.out)+len(msgs) > c.cfg.MaxOutboxMessages || c.outBytes+n > c.cfg.MaxOutboxBytes {
		c.mu.Unlock()
		_ = c.Close(transport.ErrSlowConsumer)
		return transport.ErrSlowConsumer
	}
	for _, m := range msgs {
		c.out = append(c.out, item{typ: codec.Message, msg: m})
	}
	c.outBytes += n
	c.mu.Unlock()
	c.signal()
	return nil
}

// control enqueues a packet of the session's own (a pong), outside the
// outbox bounds.
func (c *conn) control(t codec.EngineType) {
	c.mu.Lock()
	if !c.closed {
		c.out = append(c.out, item{typ: t})
	}
	c.mu.Unlock()
	c.signal()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close closes the session with reason (nil means transport.ErrForcedClose).
// A local close sends the Engine.IO close packet first, within WriteTimeout.
// Close is idempotent and never blocks on I/O; OnClose runs asynchronously.
func (c *conn) Close(reason error) error {
	if reason == nil {
		reason = transport.ErrForcedClose
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return transport.ErrClosed
	}
	c.closed, c.reason = true, reason
	c.out, c.outBytes = nil, 0
	c.bye = polite(reason)
	if c.bye {
		c.grace = time.AfterFunc(c.cfg.WriteTimeout, c.teardown)
	}
	bye := c.bye
	c.mu.Unlock()
	if bye {
		c.signal()
	} else {
		c.teardown()
	}
	return nil
}

// polite reports whether a close for reason should tell the server.
func polite(reason error) bool {
	for _, e := range []error{transport.ErrTransportClose, transport.ErrTransportError,
		transport.ErrPingTimeout, transport.ErrSlowConsumer, transport.ErrParse} {
		if errors.Is(reason, e) {
			return false
		}
	}
	return true
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// addCloser registers x to be closed on teardown. It reports false, having
// closed x, when the session is already torn down.
func (c *conn) addCloser(x io.Closer) bool {
	c.mu.Lock()
	if c.torn {
		c.mu.Unlock()
		_ = x.Close()
		return false
	}
	c.closers = append(c.closers, x)
	c.mu.Unlock()
	return true
}

// teardown cancels every request and closes every network connection of the
// session. It is idempotent.
func (c *conn) teardown() {
	c.mu.Lock()
	if c.torn {
		c.mu.Unlock()
		return
	}
	c.torn = true
	cl := c.closers
	c.closers = nil
	c.mu.Unlock()
	c.cancel()
	for _, x := range cl {
		_ = x.Close()
	}
}

// take removes the next batch for w from the outbox into buf. closed reports
// the session is closing; bye that a close packet is still to be sent (it is
// reported once).
func (c *conn) take(w batchWriter, buf []item) (batch []item, closed, bye bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		bye, c.bye = c.bye, false
		return buf[:0], true, bye
	}
	if len(c.out) == 0 {
		return buf[:0], false, false
	}
	n := w.count(c.out)
	batch = append(buf[:0], c.out[:n]...)
	for _, it := range batch {
		if it.msg != nil {
			c.outBytes -= len(it.msg.Data)
		}
	}
	rest := copy(c.out, c.out[n:])
	clear(c.out[rest:])
	c.out = c.out[:rest]
	return batch, false, false
}

// writer drains the outbox through w until stop closes, the session is torn
// down, or a write fails. It closes done when it returns.
func (c *conn) writer(w batchWriter, stop <-chan struct{}, done chan<- struct{}) {
	defer c.wg.Done()
	defer close(done)
	var buf []item
	for {
		select {
		case <-c.wake:
		case <-stop:
			return
		case <-c.ctx.Done():
			return
		}
		for {
			select {
			case <-stop:
				c.signal() // leave the wake-up to the next writer
				return
			default:
			}
			batch, closed, bye := c.take(w, buf)
			if closed {
				if bye {
					_ = w.write([]item{{typ: codec.Close}})
				}
				c.teardown()
				return
			}
			if len(batch) == 0 {
				break
			}
			err := w.write(batch)
			clear(batch)
			buf = batch
			if err != nil {
				c.fail(err)
				return
			}
		}
	}
}

// fail closes the session after an I/O error, unless it is already closed.
func (c *conn) fail(err error) {
	if c.Close(transport.ErrTransportError) == nil {
		c.log.Debug("engineclient: transport failed", "err", err)
	}
}

// startWriter runs w's writer goroutine and returns the channels that stop
// it and report it done.
func (c *conn) startWriter(w batchWriter) (stop chan struct{}, done chan struct{}) {
	stop, done = make(chan struct{}), make(chan struct{})
	c.wg.Add(1)
	go c.writer(w, stop, done)
	c.signal()
	return stop, done
}

// run is the session goroutine: it delivers every inbound packet, switches
// carriers on upgrade, and calls OnClose last.
func (c *conn) run() {
	defer close(c.done)
	for _, p := range c.initial {
		c.handle(p, true)
	}
	c.initial = nil
	for cur := c.first; cur != nil && !c.isClosed(); {
		cur = cur.run(c)
	}
	c.fail(errors.New("carrier ended"))
	c.teardown()
	c.wg.Wait()
	c.cfg.closeIdle()
	c.mu.Lock()
	if c.ping != nil {
		c.ping.Stop()
	}
	if c.grace != nil {
		c.grace.Stop()
	}
	reason := c.reason
	c.mu.Unlock()
	c.callClose(reason)
}

// handle processes one inbound packet on the session goroutine. owned says
// p.Data may be kept; otherwise a Message is copied.
func (c *conn) handle(p codec.EnginePacket, owned bool) {
	switch p.Type {
	case codec.Ping:
		c.resetPing()
		c.control(codec.Pong)
	case codec.Message:
		data := p.Data
		if !owned {
			data = append([]byte(nil), p.Data...)
		}
		c.callMessage(transport.NewMessage(data, p.Binary))
	case codec.Close:
		_ = c.Close(transport.ErrTransportClose)
	case codec.Noop, codec.Pong:
	default:
		c.log.Debug("engineclient: unexpected packet", "type", p.Type)
		_ = c.Close(transport.ErrParse)
	}
}

// resetPing restarts the client-side heartbeat check.
func (c *conn) resetPing() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.ping == nil {
		c.ping = time.AfterFunc(c.hs.deadline(), func() { _ = c.Close(transport.ErrPingTimeout) })
		return
	}
	c.ping.Reset(c.hs.deadline())
}

func (c *conn) callOpen() (err error) {
	defer c.recover("OnOpen", func(e error) { err = e })
	return c.h.OnOpen(c, c.info)
}

func (c *conn) callMessage(m *transport.Message) {
	defer c.recover("OnMessage", func(error) { _ = c.Close(transport.ErrForcedClose) })
	c.h.OnMessage(c, m)
}

func (c *conn) callClose(reason error) {
	defer c.recover("OnClose", func(error) {})
	c.h.OnClose(c, reason)
}

// recover turns a handler panic into an error log and a call to then.
func (c *conn) recover(what string, then func(error)) {
	if r := recover(); r != nil {
		err := fmt.Errorf("engineclient: handler %s panicked: %v", what, r)
		c.log.Error(err.Error())
		then(err)
	}
}
