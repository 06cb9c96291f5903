package ws

import (
	"bytes"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lxzan/gws"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport/engine"
)

// Writes.
//
// A connection is idle, scheduled (someone will take and write its
// packets) or dirty (scheduled, and woken again since its packets were
// taken). Wake moves an idle connection to scheduled and hands it to its
// writer; the writer clears dirty before each Take and returns the
// connection to idle only if nothing woke it meanwhile.
//
// Connections whose socket allows non-blocking writes (plain TCP on Linux,
// no compression) are written by a small pool: one worker per shard, a
// shard per GOMAXPROCS, each fed by a lock-free stack of ready connections.
// A worker exists only while its shard has ready connections. It writes
// each connection's frames with one non-blocking writev from the worker's
// buffers, so an idle connection holds no goroutine and no write buffer. If
// the socket buffer is full, the unwritten rest is copied and the
// connection gets a goroutine of its own that writes under the write
// deadline until it has drained (the congested path), then rejoins the pool.
//
// Other connections (TLS, compression) get a goroutine of their own for
// each busy period, as do congested ones.

const (
	idle int32 = iota
	scheduled
	dirty
)

// conn is the engine.Writer of one WebSocket connection.
type conn struct {
	srv      *engine.Server
	ws       *gws.Conn
	nc       net.Conn
	raw      syscall.RawConn // non-nil: written by the pool
	sh       *shard
	timeout  time.Duration
	compress bool
	sess     atomic.Pointer[engine.Session]
	state    atomic.Int32
	dead     atomic.Bool
	next     *conn  // link in sh.ready
	run      func() // c.write, bound once

	ctrlMu sync.Mutex
	ctrl   []byte // pending WebSocket control frames (pongs)

	// Owned by the connection's own goroutine.
	own  *batch   // its buffers; kept only if c is not pooled
	rest [][]byte // what the pool could not write
}

func newConn(srv *engine.Server, sh *shard, gc *gws.Conn, compress bool) *conn {
	c := &conn{srv: srv, ws: gc, nc: gc.NetConn(), timeout: srv.Config().WriteTimeout, compress: compress}
	if sc, ok := c.nc.(syscall.Conn); ok && rawWrites && !compress {
		if rc, err := sc.SyscallConn(); err == nil {
			c.raw, c.sh = rc, sh
		}
	}
	c.run = c.write
	return c
}

// Wake schedules the connection's writer unless it is scheduled already.
func (c *conn) Wake() {
	if c.sess.Load() == nil || c.dead.Load() {
		return
	}
	for {
		switch c.state.Load() {
		case idle:
			if c.state.CompareAndSwap(idle, scheduled) {
				if c.raw != nil {
					c.sh.push(c)
				} else {
					c.srv.Go(c.run)
				}
				return
			}
		case scheduled:
			if c.state.CompareAndSwap(scheduled, dirty) {
				return
			}
		default:
			return
		}
	}
}

// Abort closes the connection at once (the session closed as a slow
// consumer), so that a blocked write returns.
func (c *conn) Abort() {
	c.dead.Store(true)
	_ = c.nc.Close()
}

func (c *conn) takeCtrl(dst []byte) []byte {
	c.ctrlMu.Lock()
	dst = append(dst, c.ctrl...)
	c.ctrl = c.ctrl[:0]
	c.ctrlMu.Unlock()
	return dst
}

// write is the connection's own writer: it writes what the pool left
// unwritten, then drains the session with blocking writes under the write
// deadline until nothing is left.
func (c *conn) write() {
	b := c.own
	if b == nil {
		b = &batch{}
		if c.raw == nil {
			c.own = b // pooled connections hold no buffers while idle
		}
	}
	s := c.sess.Load()
	if c.rest != nil {
		err := c.writeBlocking(c.rest)
		clear(c.rest)
		c.rest = nil
		if err != nil {
			c.fail(s, err)
			return
		}
	}
	for {
		c.state.Store(scheduled)
		done := b.take(c, s)
		var err error
		if c.compress {
			err = c.writeEach(b)
		} else if len(b.vec) > 0 {
			err = c.writeBlocking(b.vec)
		}
		b.reset()
		if err != nil {
			c.fail(s, err)
			return
		}
		if done {
			c.finish()
			return
		}
		if c.state.CompareAndSwap(scheduled, idle) {
			return
		}
	}
}

func (c *conn) fail(s *engine.Session, err error) {
	c.dead.Store(true)
	s.Closed(c, err)
	_ = c.nc.Close()
}

// finish ends a connection whose session is done with a close frame.
func (c *conn) finish() {
	c.dead.Store(true)
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	_ = c.ws.WriteClose(1000, nil)
}

func (c *conn) writeBlocking(vec [][]byte) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return err
	}
	if len(vec) == 1 {
		_, err := c.nc.Write(vec[0])
		return err
	}
	nb := net.Buffers(vec)
	_, err := nb.WriteTo(c.nc)
	return err
}

// writeEach writes the control frames, then packet by packet through gws,
// which compresses.
func (c *conn) writeEach(b *batch) error {
	if len(b.buf) > 0 {
		if err := c.writeBlocking([][]byte{b.buf}); err != nil {
			return err
		}
	}
	for _, p := range b.pkts {
		op := gws.OpcodeText
		if p.Msg != nil && p.Msg.Binary {
			op = gws.OpcodeBinary
		}
		b.body = codec.AppendEngine(b.body[:0], p.Engine())
		if err := c.ws.WriteMessage(op, b.body); err != nil {
			return err
		}
	}
	return nil
}

// bigFrame is the size from which a framed message is written from its
// shared bytes (writev) rather than copied into the writer's buffer.
const bigFrame = 4096

// maxKeep bounds the buffer a writer keeps between batches.
const maxKeep = 1 << 20

// batch holds what one writer writes at once: the frames of the packets
// Take returned, as vec (pieces of buf, and big shared frames).
type batch struct {
	pkts   []engine.Packet
	buf    []byte
	vec    [][]byte
	shared []bool // vec[i] is a shared frame, not a piece of buf
	body   []byte // compression only
	total  int

	// raw write state (see rawWrite)
	iov   []iovec
	n     int
	err   error
	rawFn func(fd uintptr) bool
}

// take fills b with what c must write now: its control frames, then its
// packets' frames (kept as packets when c compresses). It reports done when
// the connection must close after writing them.
func (b *batch) take(c *conn, s *engine.Session) (done bool) {
	pkts, done := s.Take(c, b.pkts[:0], 0)
	b.pkts = pkts
	b.buf = c.takeCtrl(b.buf[:0])
	if c.compress {
		return done
	}
	mark := 0
	for _, p := range pkts {
		if p.Msg == nil {
			b.buf = appendControl(b.buf, p)
			continue
		}
		f := p.Msg.Framed(framing, Frame)
		if len(f) < bigFrame {
			b.buf = append(b.buf, f...)
			continue
		}
		if mark < len(b.buf) {
			b.add(b.buf[mark:len(b.buf):len(b.buf)], false)
			mark = len(b.buf)
		}
		b.add(f, true)
	}
	if mark < len(b.buf) {
		b.add(b.buf[mark:], false)
	}
	return done
}

func (b *batch) add(p []byte, shared bool) {
	b.vec = append(b.vec, p)
	b.shared = append(b.shared, shared)
	b.total += len(p)
}

// reset drops the batch's references to shared bytes, keeping its buffers
// unless a burst grew them past maxKeep.
func (b *batch) reset() {
	clear(b.pkts)
	clear(b.vec)
	b.pkts, b.vec, b.shared, b.total = b.pkts[:0], b.vec[:0], b.shared[:0], 0
	if cap(b.buf) > maxKeep {
		b.buf = nil
	}
}

// rest returns the bytes of b.vec after the first n, sharing the shared
// frames and copying pieces of b.buf.
func (b *batch) rest(n int) [][]byte {
	var out [][]byte
	for i, p := range b.vec {
		if n >= len(p) {
			n -= len(p)
			continue
		}
		p, n = p[n:], 0
		if !b.shared[i] {
			p = bytes.Clone(p)
		}
		out = append(out, p)
	}
	return out
}

// shard is one pool worker's queue: a lock-free stack of connections ready
// to write, and the worker's buffers.
type shard struct {
	srv    *engine.Server
	ready  atomic.Pointer[conn]
	active atomic.Bool // a worker is running
	run    func()      // sh.work, bound once
	b      batch       // owned by the running worker
}

func newShards(srv *engine.Server) []*shard {
	shards := make([]*shard, runtime.GOMAXPROCS(0))
	for i := range shards {
		sh := &shard{srv: srv}
		sh.run = sh.work
		sh.b.rawFn = sh.b.rawWrite
		shards[i] = sh
	}
	return shards
}

// push adds a scheduled connection and starts the worker if none runs.
func (sh *shard) push(c *conn) {
	for {
		old := sh.ready.Load()
		c.next = old
		if sh.ready.CompareAndSwap(old, c) {
			break
		}
	}
	if !sh.active.Load() && sh.active.CompareAndSwap(false, true) {
		sh.srv.Go(sh.run)
	}
}

// work serves ready connections until there are none.
func (sh *shard) work() {
	for {
		list := sh.ready.Swap(nil)
		if list == nil {
			sh.active.Store(false)
			if sh.ready.Load() == nil || !sh.active.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		// The stack is newest first: reverse it to serve in arrival order.
		var fifo *conn
		for list != nil {
			next := list.next
			list.next = fifo
			fifo, list = list, next
		}
		for c := fifo; c != nil; {
			next := c.next
			c.next = nil
			sh.serve(c)
			c = next
		}
	}
}

// serve takes and writes c's frames with one non-blocking write. A
// connection woken meanwhile goes back on the stack, after the others.
func (sh *shard) serve(c *conn) {
	b := &sh.b
	s := c.sess.Load()
	c.state.Store(scheduled)
	done := b.take(c, s)
	if b.total > 0 {
		n, err := b.writeRaw(c.raw)
		switch {
		case err != nil:
			b.reset()
			c.fail(s, err)
			return
		case n < b.total:
			// Congested: a goroutine of its own finishes under the deadline.
			c.rest = b.rest(n)
			b.reset()
			c.srv.Go(c.run)
			return
		}
	}
	b.reset()
	if done {
		c.srv.Go(c.finish)
		return
	}
	if !c.state.CompareAndSwap(scheduled, idle) {
		sh.push(c)
	}
}

// writeRaw writes b.vec with one non-blocking writev (retried only on
// EINTR). It returns how many bytes the socket took.
func (b *batch) writeRaw(rc syscall.RawConn) (int, error) {
	b.n, b.err = 0, nil
	if err := rc.Write(b.rawFn); err != nil {
		return 0, err
	}
	return b.n, b.err
}

// rawWrite is the rc.Write callback: it writes b.vec in writevs of at most
// maxIovecs pieces until the socket takes no more, and never asks to wait.
func (b *batch) rawWrite(fd uintptr) bool {
	for i := 0; i < len(b.vec); {
		j := min(i+maxIovecs, len(b.vec))
		want := 0
		for _, p := range b.vec[i:j] {
			b.iov = appendIovec(b.iov, p)
			want += len(p)
		}
		n, err := writev(fd, b.iov)
		clear(b.iov)
		b.iov = b.iov[:0]
		switch err {
		case nil:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return true
		default:
			b.err = err
			return true
		}
		b.n += n
		if n < want {
			return true
		}
		i = j
	}
	return true
}
