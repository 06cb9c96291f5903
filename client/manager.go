package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/emitter"
	"github.com/sockbus/sockbus/transport"
)

// Manager owns one Engine.IO connection, multiplexes namespace sockets over
// it and reconnects when it is lost. Create it with New and release it with
// Close. All methods are safe for concurrent use.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	em     emitter.Emitter[*Event]
	ctx    context.Context // done on Close
	cancel context.CancelFunc
	bo     *backoff // used only by the one connect loop running at a time

	closed atomic.Bool
	values atomic.Bool // the connection takes Go values (transport.ValueConn)

	mu         sync.Mutex
	sockets    map[string]*Socket
	link       *link // the open connection, nil when none
	connecting bool  // a connect loop runs
	loopBusy   bool  // the connect loop is calling a handler
	loopDone   chan struct{}
	loopCancel context.CancelFunc
}

// New returns a Manager configured by cfg. It dials nothing yet: the first
// socket that connects opens the connection.
func New(cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, log: cfg.Logger, sockets: make(map[string]*Socket), bo: newBackoff(cfg)}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.em.OnPanic = m.logPanic
	return m, nil
}

func (m *Manager) logPanic(p *emitter.PanicError) {
	m.log.Error("client: handler panicked", "event", p.Event, "panic", p.Value, "stack", string(p.Stack))
}

// Socket returns the socket of namespace nsp ("/" when empty), creating it
// with cfg on first use; later calls return the same socket and ignore cfg.
// With Config.AutoConnect a new socket starts connecting at once; otherwise
// add its handlers and call Socket.Connect.
func (m *Manager) Socket(nsp string, cfg SocketConfig) *Socket {
	if nsp == "" {
		nsp = "/"
	}
	m.mu.Lock()
	s, ok := m.sockets[nsp]
	if !ok {
		s = newSocket(m, nsp, cfg)
		s.closed = m.closed.Load()
		m.sockets[nsp] = s
	}
	m.mu.Unlock()
	if !ok && m.cfg.AutoConnect {
		s.Connect()
	}
	return s
}

// On adds h for a Manager event ("open", "close", "error",
// "reconnect_attempt", "reconnect", "reconnect_error", "reconnect_failed")
// and returns its remover.
func (m *Manager) On(ev string, h Handler) (off func()) { return m.em.On(ev, h) }

// Once is On for a handler that runs at most once.
func (m *Manager) Once(ev string, h Handler) (off func()) { return m.em.Once(ev, h) }

// Close disconnects every socket (reason "io client disconnect"), ends the
// connection and any reconnection in progress, and fails pending
// acknowledgement waits with ErrClosed. It waits for the reconnect goroutine
// to end, unless that goroutine is running one of your handlers (Close may be
// called from any handler); it then ends as soon as the handler returns.
// Close is idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed.Load() {
		m.mu.Unlock()
		return nil
	}
	m.closed.Store(true)
	m.cancel()
	l := m.link
	m.link = nil
	wait, done := m.connecting && !m.loopBusy, m.loopDone
	socks := m.socketList()
	m.mu.Unlock()

	for _, s := range socks {
		s.shutdown(l)
	}
	if l != nil {
		_ = l.conn.Close(transport.ErrForcedClose)
	}
	if wait {
		<-done
	}
	m.emit(&Event{Name: "close", Reason: ReasonForcedClose})
	return nil
}

// socketList returns the sockets; m.mu must be held.
func (m *Manager) socketList() []*Socket {
	out := make([]*Socket, 0, len(m.sockets))
	for _, s := range m.sockets {
		out = append(out, s)
	}
	return out
}

// anyActiveLocked reports whether a socket wants to be connected; m.mu held.
func (m *Manager) anyActiveLocked() bool {
	for _, s := range m.sockets {
		if s.Active() {
			return true
		}
	}
	return false
}

func (m *Manager) emit(e *Event) { _, _ = m.em.EmitReserved(e.Name, e) }

// ensureOpen returns the open connection, or starts dialing and returns nil.
func (m *Manager) ensureOpen() *link {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed.Load() {
		return nil
	}
	if m.link != nil {
		return m.link
	}
	if !m.connecting {
		ready := m.startLoopLocked(false)
		close(ready)
	}
	return nil
}

// startLoopLocked starts the connect loop; it proceeds once ready is closed.
// m.mu must be held.
func (m *Manager) startLoopLocked(reconnect bool) (ready chan struct{}) {
	ready = make(chan struct{})
	ctx, cancel := context.WithCancel(m.ctx)
	m.connecting, m.loopDone, m.loopCancel = true, make(chan struct{}), cancel
	go m.connectLoop(ctx, cancel, reconnect, ready, m.loopDone)
	return ready
}

// idle is called when a socket stops being active: with no active socket
// left the connection is closed and reconnection stops (as socket.io-client
// does).
func (m *Manager) idle() {
	m.mu.Lock()
	if m.closed.Load() || m.anyActiveLocked() {
		m.mu.Unlock()
		return
	}
	l := m.link
	m.link = nil
	if l != nil {
		l.retired = true
	}
	if m.connecting {
		m.loopCancel()
	}
	m.mu.Unlock()
	if l != nil {
		_ = l.conn.Close(transport.ErrForcedClose)
	}
}

// inLoop runs fn (which calls handlers) from the connect loop, so that Close
// called meanwhile does not wait for the loop. It reports false, without
// calling fn, once ctx is done.
func (m *Manager) inLoop(ctx context.Context, fn func()) bool {
	m.mu.Lock()
	if ctx.Err() != nil {
		m.mu.Unlock()
		return false
	}
	m.loopBusy = true
	m.mu.Unlock()
	fn()
	m.mu.Lock()
	m.loopBusy = false
	m.mu.Unlock()
	return ctx.Err() == nil
}

// connectLoop dials until a connection opens, with backoff between
// attempts when reconnecting. It is the only user of m.bo.
func (m *Manager) connectLoop(ctx context.Context, cancel context.CancelFunc, reconnect bool, ready, done chan struct{}) {
	defer close(done)
	defer cancel()
	select {
	case <-ready:
	case <-ctx.Done():
		m.endLoop(ctx)
		return
	}
	for {
		if reconnect {
			if n := m.cfg.ReconnectionAttempts; n > 0 && m.bo.attempts >= n {
				m.bo.reset()
				if m.endLoop(ctx) {
					m.inLoop(ctx, func() { m.emit(&Event{Name: "reconnect_failed"}) })
				}
				return
			}
			if !m.sleep(ctx, m.bo.duration()) {
				m.endLoop(ctx)
				return
			}
			attempt := m.bo.attempts
			if !m.inLoop(ctx, func() { m.emit(&Event{Name: "reconnect_attempt", Attempt: attempt}) }) {
				m.endLoop(ctx)
				return
			}
		}
		l, err := m.dial(ctx, reconnect)
		if err == nil {
			if l.opened {
				m.inLoop(ctx, func() { m.opened(l) })
			}
			return
		}
		if ctx.Err() != nil {
			m.endLoop(ctx)
			return
		}
		if !m.inLoop(ctx, func() { m.dialFailed(err, reconnect) }) || m.cfg.NoReconnect {
			m.endLoop(ctx)
			return
		}
		reconnect = true
	}
}

// endLoop marks the loop finished and reports whether the Manager is still
// open (so a final handler may run).
func (m *Manager) endLoop(ctx context.Context) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.connecting = false
	return ctx.Err() == nil
}

func (m *Manager) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dial makes one attempt. On success the loop is over (m.connecting is
// false) and the link is either opened (the caller announces it) or will be
// by its OnOpen.
func (m *Manager) dial(ctx context.Context, reconnect bool) (*link, error) {
	l := &link{m: m, dialing: true, reconnect: reconnect, attempt: m.bo.attempts}
	dctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	conn, err := m.cfg.Dial(dctx, l)
	cancel()
	if err == nil && conn == nil {
		err = errors.New("client: Dial returned no connection")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l.dialing = false
	if err != nil {
		l.failed = true
		if l.conn != nil && !l.closed {
			go func() { _ = l.conn.Close(transport.ErrForcedClose) }()
		}
		return nil, fmt.Errorf("client: dial: %w", err)
	}
	if l.closed {
		l.failed = true
		return nil, fmt.Errorf("client: dial: %w", transport.ErrTransportClose)
	}
	if l.conn == nil {
		l.conn = conn
	}
	l.accepted = true
	m.bo.reset()
	m.connecting = false
	return l, nil
}

// dialFailed reports a failed attempt: "error", "connect_error" on the
// sockets waiting to connect, then "reconnect_error" when reconnecting.
func (m *Manager) dialFailed(err error, reconnect bool) {
	m.emit(&Event{Name: "error", Err: err})
	m.mu.Lock()
	socks := m.socketList()
	m.mu.Unlock()
	for _, s := range socks {
		s.dialFailed(err)
	}
	if reconnect {
		m.emit(&Event{Name: "reconnect_error", Err: err})
	}
}

// opened makes l the Manager's connection, announces it ("open", and
// "reconnect" after a reconnection) and connects the active sockets.
func (m *Manager) opened(l *link) {
	m.mu.Lock()
	if m.closed.Load() || l.closed || l.retired {
		m.mu.Unlock()
		return
	}
	m.link = l
	_, isValue := l.conn.(transport.ValueConn)
	m.values.Store(isValue)
	socks := m.socketList()
	m.mu.Unlock()
	m.emit(&Event{Name: "open"})
	if l.reconnect {
		m.emit(&Event{Name: "reconnect", Attempt: l.attempt})
	}
	for _, s := range socks {
		if s.Active() {
			s.sendConnect(l)
		}
	}
}

// closedLink handles the end of l: the sockets disconnect with reason and,
// when reconnection is on and a socket is active, a reconnect loop starts.
func (m *Manager) closedLink(l *link, reason error) {
	m.mu.Lock()
	l.closed = true
	if m.closed.Load() || l.retired || l.failed || l.dialing {
		m.mu.Unlock()
		return
	}
	current := m.link == l
	if current {
		m.link = nil
	}
	var ready chan struct{}
	if (current || m.link == nil) && !m.connecting && !m.cfg.NoReconnect && m.anyActiveLocked() {
		ready = m.startLoopLocked(true)
	}
	socks := m.socketList()
	m.mu.Unlock()

	if current {
		why := reasonOf(reason)
		m.emit(&Event{Name: "close", Reason: why})
		for _, s := range socks {
			s.lost(why)
		}
	}
	if ready != nil {
		close(ready)
	}
}

// current reports whether l is the Manager's open connection.
func (m *Manager) current(l *link) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.link == l
}

func (m *Manager) socketOf(nsp string) *Socket {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sockets[nsp]
}

// reasonOf maps a transport close reason to a disconnect reason.
func reasonOf(err error) DisconnectReason {
	switch {
	case errors.Is(err, transport.ErrPingTimeout):
		return ReasonPingTimeout
	case errors.Is(err, transport.ErrParse):
		return ReasonParseError
	case errors.Is(err, transport.ErrTransportClose), errors.Is(err, transport.ErrServerShutdown),
		errors.Is(err, transport.ErrForcedClose):
		return ReasonTransportClose
	}
	return ReasonTransportError
}

// link is the transport.Handler of one dialed connection. Its flags are
// guarded by m.mu; dec is used only by the transport's calls, which never
// overlap.
type link struct {
	m         *Manager
	conn      transport.Conn
	dec       codec.Decoder
	reconnect bool
	attempt   int

	dialing  bool // Dial has not returned
	opened   bool // OnOpen came while dialing; the loop announces it
	accepted bool // Dial succeeded
	failed   bool // Dial failed; the loop moved on
	closed   bool // OnClose came
	retired  bool // the Manager dropped it on purpose
}

var _ transport.ValueHandler = (*link)(nil)

// OnOpen implements transport.Handler.
func (l *link) OnOpen(c transport.Conn, _ transport.Handshake) error {
	m := l.m
	m.mu.Lock()
	if m.closed.Load() || l.failed {
		m.mu.Unlock()
		return ErrClosed
	}
	l.conn = c
	if l.dialing {
		l.opened = true
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()
	m.opened(l)
	return nil
}

// OnMessage implements transport.Handler.
func (l *link) OnMessage(c transport.Conn, msg *transport.Message) {
	p, err := l.dec.Feed(msg.Data, msg.Binary)
	if err != nil {
		l.m.log.Warn("client: bad packet from server", "err", err)
		_ = c.Close(transport.ErrParse)
		return
	}
	if p != nil {
		l.dispatch(c, p)
	}
}

// OnValue implements transport.ValueHandler: p is a *codec.Packet.
func (l *link) OnValue(c transport.Conn, v any) {
	p, ok := v.(*codec.Packet)
	if !ok || p == nil {
		l.m.log.Warn("client: unexpected value from server", "type", fmt.Sprintf("%T", v))
		_ = c.Close(transport.ErrParse)
		return
	}
	l.dispatch(c, p)
}

func (l *link) dispatch(c transport.Conn, p *codec.Packet) {
	if !l.m.current(l) {
		return
	}
	s := l.m.socketOf(p.Namespace)
	if s == nil {
		return
	}
	if err := s.onPacket(l, p); err != nil {
		l.m.log.Warn("client: bad packet from server", "nsp", p.Namespace, "err", err)
		_ = c.Close(transport.ErrParse)
	}
}

// OnClose implements transport.Handler.
func (l *link) OnClose(_ transport.Conn, reason error) { l.m.closedLink(l, reason) }
