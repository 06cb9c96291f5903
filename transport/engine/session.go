package engine

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// Writer is a transport's side of one connection carrying a session (or
// probing an upgrade). The engine calls Wake whenever Session.Take has
// something new for it; Wake must not block and is called with no engine
// lock held. A Writer drains with Take and must be comparable (use a
// pointer).
type Writer interface {
	Wake()
}

// Aborter is an optional ability of a Writer. When a session closes as a
// slow consumer (transport.ErrSlowConsumer), the engine calls Abort on its
// writers instead of letting them drain: the transport should close its
// connection at once, so that a write stuck on a peer that stopped reading
// returns now rather than at its write deadline. Abort must not block and
// is called with no engine lock held.
type Aborter interface {
	Writer
	Abort()
}

// Packet is one outbound Engine.IO packet. Msg is set for codec.Message
// packets; Data holds the payload of the other types. Both are shared and
// read-only.
type Packet struct {
	Type codec.EngineType
	Data []byte
	Msg  *transport.Message
}

// Engine returns p as a codec.EnginePacket, sharing its bytes.
func (p Packet) Engine() codec.EnginePacket {
	if p.Msg != nil {
		return codec.EnginePacket{Type: codec.Message, Data: p.Msg.Data, Binary: p.Msg.Binary}
	}
	return codec.EnginePacket{Type: p.Type, Data: p.Data}
}

// Errors of the session API.
var (
	// ErrUpgrade refuses a Probe: upgrades disabled, one already running or
	// done, or the session is closed.
	ErrUpgrade = errors.New("engine: upgrade refused")
	// ErrNotWriter: Receive from a writer that is not the session's.
	ErrNotWriter = errors.New("engine: not the session's writer")
)

var probeData = []byte("probe")

// Session is one Engine.IO session: the transport.Conn that the Handler sees.
// All methods are safe for concurrent use.
type Session struct {
	srv *Server
	id  string

	rmu sync.Mutex // serialises Handler calls for this session

	mu         sync.Mutex
	q          []Packet // outbox; q[head:] is pending
	head       int
	qBytes     int
	qMsgs      int
	writer     Writer // current writer; it alone gets q
	transport  string // current transport name
	probe      Writer // WebSocket probing an upgrade
	probeQ     []Packet
	probed     bool // 2probe answered: the old writer gets noops
	upgraded   bool
	stale      Writer // writer replaced by an upgrade; gets one noop
	closed     bool
	idle       bool // the writer's last Take returned nothing (tests: a poll is pending)
	draining   bool // closed, still registered until the writer drains
	hb         *time.Timer
	hbGen      uint64
	awaitPong  bool
	upTimer    *time.Timer
	closeTimer *time.Timer
}

// ID returns the sid.
func (s *Session) ID() string { return s.id }

// Writer returns the writer currently carrying the session.
func (s *Session) Writer() Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writer
}

// Transport returns the name of the transport currently carrying the session.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// Send enqueues msgs atomically and in order; it never blocks. It returns
// transport.ErrClosed once the session is closed, and
// transport.ErrSlowConsumer (closing the session) when the outbox bounds
// would be exceeded. The messages are shared read-only.
func (s *Session) Send(msgs ...*transport.Message) error {
	n := 0
	for _, m := range msgs {
		n += len(m.Data)
	}
	cfg := &s.srv.cfg
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return transport.ErrClosed
	}
	if s.qMsgs+len(msgs) > cfg.MaxOutboxMessages || s.qBytes+n > cfg.MaxOutboxBytes {
		s.mu.Unlock()
		s.shut(transport.ErrSlowConsumer, endNow)
		return transport.ErrSlowConsumer
	}
	for _, m := range msgs {
		s.q = append(s.q, Packet{Type: codec.Message, Msg: m})
	}
	s.qBytes += n
	s.qMsgs += len(msgs)
	w := s.writer
	s.mu.Unlock()
	wake(w)
	return nil
}

// Close closes the session with reason (nil means transport.ErrForcedClose).
// Packets already queued are still delivered, followed by a close packet.
// Close is idempotent (a second call returns transport.ErrClosed);
// Handler.OnClose runs once, asynchronously.
func (s *Session) Close(reason error) error {
	if reason == nil {
		reason = transport.ErrForcedClose
	}
	return s.shut(reason, endDrain)
}

// end says how a closing session treats its outbox.
type end int

const (
	endDrain end = iota // deliver the queue, then "1"; stay registered until drained
	endNow              // drop the queue, send "1"
	endPeer             // the peer closed: drop the queue, answer a pending poll with "6"
	endLost             // the connection is gone: nothing to send
)

func (s *Session) shut(reason error, how end) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return transport.ErrClosed
	}
	s.closed = true
	s.stopTimers()
	if how != endDrain {
		s.dropPending()
	}
	switch how {
	case endDrain, endNow:
		s.q = append(s.q, Packet{Type: codec.Close})
	case endPeer:
		s.q = append(s.q, Packet{Type: codec.Noop})
	}
	s.draining = how == endDrain
	if s.draining {
		grace := s.srv.cfg.PingInterval + s.srv.cfg.PingTimeout
		s.closeTimer = time.AfterFunc(grace, s.unregister)
	}
	w, p, st := s.writer, s.probe, s.stale
	s.probe = nil
	s.mu.Unlock()
	if how != endDrain {
		s.srv.remove(s)
	}
	if reason == transport.ErrSlowConsumer {
		abort(w)
		abort(p)
	}
	wake(w)
	wake(p)
	wake(st)
	s.srv.goOnClose(s, reason)
	return nil
}

func (s *Session) unregister() { s.srv.remove(s) }

func (s *Session) dropQueue() {
	clear(s.q)
	s.q, s.head, s.qBytes, s.qMsgs = s.q[:0], 0, 0, 0
}

// dropPending drops the queued packets of a session ending at once, except
// an open packet not yet taken: the peer must see the session open before
// it sees it end.
func (s *Session) dropPending() {
	open := s.head < len(s.q) && s.q[s.head].Type == codec.Open && s.q[s.head].Msg == nil
	if !open {
		s.dropQueue()
		return
	}
	p := s.q[s.head]
	s.dropQueue()
	s.q = append(s.q, p)
}

func (s *Session) stopTimers() {
	if s.hb != nil {
		s.hb.Stop()
	}
	if s.upTimer != nil {
		s.upTimer.Stop()
	}
	s.hbGen++
}

func wake(w Writer) {
	if w != nil {
		w.Wake()
	}
}

func abort(w Writer) {
	if a, ok := w.(Aborter); ok {
		a.Abort()
	}
}

// Take returns, appended to dst, the packets that w must write now, and done
// when w must stop after writing them (the session closed, the upgrade
// probe ended, or w was replaced by an upgrade), after which w should close
// its connection. If max > 0, the packets' polling encoding (with
// separators) stays within max bytes, except that at least one packet is
// returned, and a close packet is never returned together with other
// packets (it answers the next poll). The packets are shared and read-only.
func (s *Session) Take(w Writer, dst []Packet, max int) (pkts []Packet, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch w {
	case s.writer:
		return s.takeQueue(dst, max)
	case s.probe:
		dst = append(dst, s.probeQ...)
		clear(s.probeQ)
		s.probeQ = s.probeQ[:0]
		return dst, false
	case s.stale:
		s.stale = nil
		return append(dst, Packet{Type: codec.Noop}), true
	}
	return dst, true
}

func (s *Session) takeQueue(dst []Packet, max int) ([]Packet, bool) {
	size := 0
	i := s.head
	for ; i < len(s.q); i++ {
		p := s.q[i]
		if max > 0 && p.Type == codec.Close && i > s.head {
			// Polling: like Node, the close packet never shares a payload
			// with queued messages; it answers the next poll. (The client
			// handles "1" at once but Socket.IO packets a tick later, so a
			// shared payload would lose the DISCONNECTs.)
			break
		}
		if max > 0 {
			size += codec.PayloadPacketLen(p.Engine())
			if i > s.head {
				size++
			}
			if size > max && i > s.head {
				break
			}
		}
		if p.Msg != nil {
			s.qBytes -= len(p.Msg.Data)
			s.qMsgs--
		}
		dst = append(dst, p)
		s.q[i] = Packet{}
	}
	s.head = i
	if s.head == len(s.q) {
		s.q, s.head = s.q[:0], 0
	}
	if len(dst) == 0 && s.probed && !s.upgraded && !s.closed {
		// Upgrading: answer the paused poll at once (Node repeats a noop).
		dst = append(dst, Packet{Type: codec.Noop})
	}
	done := s.closed && len(s.q) == 0
	s.idle = len(dst) == 0 && !done
	if done && s.draining {
		s.draining = false
		if s.closeTimer != nil {
			s.closeTimer.Stop()
		}
		s.srv.remove(s) // lock order: session, then server
	}
	return dst, done
}

// Pending reports whether Take has something for w.
func (s *Session) Pending(w Writer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch w {
	case s.writer:
		return s.head < len(s.q) || s.closed
	case s.probe:
		return len(s.probeQ) > 0
	}
	return true
}

// Receive handles one inbound packet read by w, in order. Messages are
// handed to the Handler, which owns p.Data. It returns an error when w
// should stop reading: the session is closed, or w is not its reader.
func (s *Session) Receive(w Writer, p codec.EnginePacket) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return transport.ErrClosed
	}
	if w == s.probe {
		s.mu.Unlock()
		return s.receiveProbe(w, p)
	}
	if w != s.writer {
		s.mu.Unlock()
		return ErrNotWriter
	}
	s.mu.Unlock()
	switch p.Type {
	case codec.Message:
		s.deliver(transport.NewMessage(p.Data, p.Binary))
	case codec.Pong:
		s.pong()
	case codec.Ping:
		s.control(Packet{Type: codec.Pong, Data: p.Data})
	case codec.Close:
		s.shut(transport.ErrTransportClose, endPeer)
		return transport.ErrClosed
	case codec.Noop:
	default:
		s.shut(transport.ErrParse, endNow)
		return fmt.Errorf("engine: unexpected %v packet: %w", p.Type, transport.ErrParse)
	}
	return nil
}

func (s *Session) receiveProbe(w Writer, p codec.EnginePacket) error {
	switch {
	case p.Type == codec.Ping && string(p.Data) == "probe":
		s.mu.Lock()
		s.probeQ = append(s.probeQ, Packet{Type: codec.Pong, Data: probeData})
		s.probed = true
		old := s.writer
		s.mu.Unlock()
		wake(w)
		wake(old)
	case p.Type == codec.Upgrade:
		s.mu.Lock()
		if !s.probed || s.probe != w {
			s.mu.Unlock()
			s.abortProbe(w)
			return ErrUpgrade
		}
		if s.upTimer != nil {
			s.upTimer.Stop()
		}
		old := s.writer
		s.stale, s.writer, s.probe = old, w, nil
		s.transport, s.upgraded = "websocket", true
		if len(s.probeQ) > 0 {
			// "5" right behind "2probe": w has not taken the 3probe yet;
			// it goes out first, before the outbox (Node sends it at once).
			s.q = append(s.probeQ, s.q[s.head:]...)
			s.head = 0
		}
		s.probeQ = nil
		s.mu.Unlock()
		wake(old)
		wake(w)
	case p.Type == codec.Noop:
	default:
		s.abortProbe(w)
		return ErrUpgrade
	}
	return nil
}

func (s *Session) abortProbe(w Writer) {
	s.mu.Lock()
	if s.probe != w {
		s.mu.Unlock()
		return
	}
	s.probe, s.probeQ, s.probed = nil, nil, false
	if s.upTimer != nil {
		s.upTimer.Stop()
	}
	s.mu.Unlock()
	wake(w)
}

// Probe starts upgrading the session to the transport of w (a WebSocket
// that arrived with this sid). It fails with ErrUpgrade when upgrades are
// disabled, the session is not on polling, or another upgrade ran. If the
// upgrade does not complete within Config.UpgradeTimeout, Take tells w it is
// done.
func (s *Session) Probe(w Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.upgraded || s.probe != nil || s.srv.cfg.DisableUpgrades || s.transport != "polling" {
		return ErrUpgrade
	}
	s.probe = w
	s.upTimer = time.AfterFunc(s.srv.cfg.UpgradeTimeout, func() { s.abortProbe(w) })
	return nil
}

// Closed reports that w's connection is gone; err is the I/O error or nil
// for a clean end. If w carries the session, the session closes with
// transport.ErrTransportClose (err nil or io.EOF) or ErrTransportError
// (wrapping err). If w was probing, the upgrade is abandoned.
func (s *Session) Closed(w Writer, err error) {
	s.mu.Lock()
	cur, probe := w == s.writer, w == s.probe
	s.mu.Unlock()
	switch {
	case cur:
		reason := transport.ErrTransportClose
		if err != nil && !isEOF(err) {
			reason = fmt.Errorf("%w: %w", transport.ErrTransportError, err)
		}
		s.shut(reason, endLost)
	case probe:
		s.abortProbe(w)
	}
}

// Fail closes the session because w saw a protocol error (reason, typically
// transport.ErrTransportError or ErrParse, possibly wrapped). A pending poll
// gets a close packet.
func (s *Session) Fail(w Writer, reason error) {
	s.mu.Lock()
	ok := w == s.writer
	s.mu.Unlock()
	if ok {
		s.shut(reason, endNow)
	}
}

// control queues a control packet outside the outbox bounds.
func (s *Session) control(p Packet) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.q = append(s.q, p)
	w := s.writer
	s.mu.Unlock()
	wake(w)
}

// Heartbeat: one pending AfterFunc timer per session; hbGen invalidates a
// callback racing with a re-arm or a close.

func (s *Session) armLocked(d time.Duration) {
	s.hbGen++
	g := s.hbGen
	if s.hb != nil {
		s.hb.Stop()
	}
	s.hb = time.AfterFunc(d, func() { s.beat(g) })
}

func (s *Session) beat(g uint64) {
	s.mu.Lock()
	if s.closed || g != s.hbGen {
		s.mu.Unlock()
		return
	}
	if s.awaitPong {
		s.mu.Unlock()
		s.shut(transport.ErrPingTimeout, endNow)
		return
	}
	s.awaitPong = true
	s.q = append(s.q, Packet{Type: codec.Ping})
	s.armLocked(s.srv.cfg.PingTimeout)
	w := s.writer
	s.mu.Unlock()
	wake(w)
}

func (s *Session) pong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.awaitPong {
		return
	}
	s.awaitPong = false
	s.armLocked(s.srv.cfg.PingInterval)
}

// deliver hands m to the Handler, serialised with the session's other
// Handler calls, recovering a panic (which closes the session).
func (s *Session) deliver(m *transport.Message) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.isClosed() {
		return
	}
	if err := s.call(func() { s.srv.cfg.Handler.OnMessage(s, m) }); err != nil {
		s.srv.cfg.Logger.Error("engine: handler panic", "sid", s.id, "err", err)
		go s.Close(transport.ErrForcedClose)
	}
}

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Session) call(f func()) error { return protect(f) }

// protect runs f, returning a panic as an error with its stack.
func protect(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("engine: panic: %v\n%s", r, debug.Stack())
		}
	}()
	f()
	return nil
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}
