package client

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/emitter"
	"github.com/sockbus/sockbus/transport"
)

// outPacket is one EVENT or ACK on its way out. Its wire form is encoded at
// most once and shared by every try; its in-process form shares values.
// Fields after values are guarded by the socket's mu.
type outPacket struct {
	typ      codec.PacketType // Event or Ack
	name     string           // event name
	values   []any            // event: name first; ack: the arguments
	id       uint64
	hasID    bool
	volatile bool
	wait     chan ackResult // nil when nobody waits; buffered 1
	msgs     []*transport.Message
	vpkt     *codec.Packet

	sent      bool // handed to a connection (outside the retry queue)
	queued    bool // in the retry queue
	pending   bool // in flight from the retry queue
	cancelled bool // the waiter gave up; no more tries
	tries     int
	timer     *time.Timer
}

type ackResult struct {
	args Args
	err  error
}

func (p *outPacket) finish(r ackResult) {
	if p.wait != nil {
		p.wait <- r // buffered 1, and a packet finishes once
	}
}

func (p *outPacket) stopTimer() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// encode builds p's wire form once.
func (s *Socket) encode(p *outPacket) error {
	if p.msgs != nil {
		return nil
	}
	bp := scratch.Get().(*[]byte)
	defer scratch.Put(bp)
	data, atts, err := codec.AppendArgs((*bp)[:0], p.values)
	*bp = data[:0]
	if err != nil {
		return err
	}
	pkt := codec.Packet{Type: p.typ, Namespace: s.nsp, ID: p.id, HasID: p.hasID, Data: data, Attachments: atts}
	msgs := make([]*transport.Message, 0, 1+len(atts))
	msgs = append(msgs, transport.NewMessage(codec.AppendPacket(nil, &pkt), false))
	for _, a := range atts {
		msgs = append(msgs, transport.NewMessage(a, true))
	}
	p.msgs = msgs
	return nil
}

// write hands p to conn: as a Go value to an in-process peer, otherwise
// encoded. It fails only on an encoding error or a closed connection.
func (s *Socket) write(conn transport.Conn, p *outPacket) error {
	if vc, ok := conn.(transport.ValueConn); ok && s.m.values.Load() {
		if p.vpkt == nil {
			p.vpkt = &codec.Packet{Type: p.typ, Namespace: s.nsp, ID: p.id, HasID: p.hasID, Values: p.values}
		}
		err := vc.SendValue(p.vpkt)
		if !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
		s.m.values.Store(false)
	}
	if err := s.encode(p); err != nil {
		return err
	}
	return conn.Send(p.msgs...)
}

// send notifies the outgoing listeners and writes p.
func (s *Socket) send(conn transport.Conn, p *outPacket) error {
	if p.typ == codec.Event && s.out.Load() > 0 {
		_ = s.em.EmitOutgoing(p.name, &Event{Name: p.name, Args: codec.ArgsOf(p.values[1:]...), socket: s})
	}
	return s.write(conn, p)
}

// emit builds and submits an EVENT packet.
func (s *Socket) emit(ev string, args []any, volatile, ack bool) (*outPacket, error) {
	if emitter.IsReserved(ev) {
		return nil, fmt.Errorf("client: emit %q: %w", ev, ErrReserved)
	}
	if s.m.closed.Load() {
		return nil, fmt.Errorf("client: emit %q: %w", ev, ErrClosed)
	}
	values := make([]any, 0, 1+len(args))
	values = append(append(values, ev), args...)
	p := &outPacket{typ: codec.Event, name: ev, values: values, volatile: volatile}
	if ack {
		p.wait = make(chan ackResult, 1)
	}
	queued := s.m.cfg.Retries > 0 && !volatile
	if ack || queued {
		s.mu.Lock()
		p.id, p.hasID = s.ackSeq, true
		s.ackSeq++
		s.mu.Unlock()
	}
	if !s.m.values.Load() {
		if err := s.encode(p); err != nil {
			return nil, fmt.Errorf("client: emit %q: %w", ev, err)
		}
	}
	var err error
	switch {
	case queued:
		err = s.enqueue(p)
	case volatile:
		err = s.sendVolatile(p)
	default:
		err = s.submit(p)
	}
	if err != nil {
		return nil, fmt.Errorf("client: emit %q: %w", ev, err)
	}
	return p, nil
}

func (s *Socket) sendVolatile(p *outPacket) error {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return ErrNotConnected
	}
	return s.send(conn, p)
}

// submit sends p now when the socket is connected and nothing is waiting
// before it, and buffers it otherwise.
func (s *Socket) submit(p *outPacket) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.connected && len(s.buf) == 0 && !s.flushing {
		conn := s.conn
		p.sent = true
		if p.wait != nil {
			s.acks[p.id] = p
		}
		s.mu.Unlock()
		err := s.send(conn, p)
		if err != nil && p.wait != nil {
			s.mu.Lock()
			delete(s.acks, p.id)
			s.mu.Unlock()
		}
		return err
	}
	defer s.mu.Unlock()
	if len(s.buf) >= s.m.cfg.SendBufferSize {
		return ErrBufferFull
	}
	if p.wait != nil {
		s.acks[p.id] = p
	}
	s.buf = append(s.buf, p)
	return nil
}

// flush sends the buffered packets in order after a connect. Emits made
// meanwhile join the buffer, so order is kept.
func (s *Socket) flush() {
	for {
		s.mu.Lock()
		batch, conn := s.buf, s.conn
		s.buf = nil
		if len(batch) == 0 || !s.connected {
			s.buf = append(batch, s.buf...)
			s.flushing = false
			s.mu.Unlock()
			return
		}
		for _, p := range batch {
			p.sent = true
		}
		s.mu.Unlock()
		for i, p := range batch {
			if err := s.send(conn, p); err != nil {
				if s.requeue(batch[i:], err) {
					return
				}
			}
		}
	}
}

// requeue handles a failed flush: on an encoding error the packet is
// dropped (its waiter gets the error) and flushing goes on; on a closed
// connection the rest goes back to the front of the buffer for the next
// connect and requeue reports true.
func (s *Socket) requeue(rest []*outPacket, err error) (stop bool) {
	p := rest[0]
	if !errors.Is(err, transport.ErrClosed) && !errors.Is(err, transport.ErrSlowConsumer) {
		s.m.log.Warn("client: dropping buffered emit", "event", p.name, "err", err)
		s.mu.Lock()
		delete(s.acks, p.id)
		s.mu.Unlock()
		p.finish(ackResult{err: err})
		return false
	}
	s.mu.Lock()
	for _, q := range rest {
		q.sent = false
	}
	s.buf = append(slices.Clone(rest), s.buf...)
	s.flushing = false
	s.mu.Unlock()
	return true
}

// enqueue adds p to the retry queue.
func (s *Socket) enqueue(p *outPacket) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if len(s.queue) >= s.m.cfg.SendBufferSize {
		s.mu.Unlock()
		return ErrBufferFull
	}
	p.queued = true
	s.acks[p.id] = p
	s.queue = append(s.queue, p)
	s.mu.Unlock()
	s.drain(false)
	return nil
}

// drain sends the head of the retry queue when connected and nothing is in
// flight (or, with force, even if it was).
func (s *Socket) drain(force bool) {
	s.mu.Lock()
	if !s.connected || len(s.queue) == 0 || (s.queue[0].pending && !force) {
		s.mu.Unlock()
		return
	}
	p, conn := s.queue[0], s.conn
	p.stopTimer()
	p.pending = true
	p.tries++
	if d := s.m.cfg.AckTimeout; d > 0 {
		try := p.tries
		p.timer = time.AfterFunc(d, func() { s.ackTimedOut(p, try) })
	}
	s.mu.Unlock()
	if err := s.send(conn, p); err != nil && !errors.Is(err, transport.ErrClosed) {
		s.m.log.Warn("client: dropping queued emit", "event", p.name, "err", err)
		s.mu.Lock()
		p.stopTimer()
		delete(s.acks, p.id)
		if i := slices.Index(s.queue, p); i >= 0 {
			s.queue = slices.Delete(s.queue, i, i+1)
		}
		s.mu.Unlock()
		p.finish(ackResult{err: err})
		s.drain(false)
	}
}

// ackTimedOut retries the head of the queue, or drops it after the last try.
func (s *Socket) ackTimedOut(p *outPacket, try int) {
	s.mu.Lock()
	if len(s.queue) == 0 || s.queue[0] != p || !p.pending || p.tries != try {
		s.mu.Unlock()
		return
	}
	p.pending, p.timer = false, nil
	failed := p.tries > s.m.cfg.Retries || p.cancelled
	if failed {
		s.queue = s.queue[1:]
		delete(s.acks, p.id)
	}
	s.mu.Unlock()
	if failed {
		p.finish(ackResult{err: ErrAckTimeout})
	}
	s.drain(false)
}

// abandon forgets a packet whose waiter gave up: it leaves the buffer or the
// queue, except a queued packet in flight, which stays until its ack or
// timeout (so the queue keeps its order) but is not tried again.
func (s *Socket) abandon(p *outPacket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.queued {
		i := slices.Index(s.queue, p)
		switch {
		case i == 0 && p.pending:
			p.cancelled = true
			return
		case i >= 0:
			s.queue = slices.Delete(s.queue, i, i+1)
		}
		delete(s.acks, p.id)
		return
	}
	if s.acks[p.id] == p {
		delete(s.acks, p.id)
	}
	if i := slices.Index(s.buf, p); i >= 0 {
		s.buf = slices.Delete(s.buf, i, i+1)
	}
}

// sendAck sends an ACK for an event of the given session.
func (s *Socket) sendAck(session, id uint64, args []any) error {
	s.mu.Lock()
	conn := s.conn
	ok := s.connected && s.session == session
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("client: ack %d: %w", id, ErrNotConnected)
	}
	if args == nil {
		args = []any{}
	}
	p := &outPacket{typ: codec.Ack, values: args, id: id, hasID: true}
	if err := s.write(conn, p); err != nil {
		return fmt.Errorf("client: ack %d: %w", id, err)
	}
	return nil
}
