package client

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/emitter"
	"github.com/sockbus/sockbus/transport"
)

// Socket is the client side of one namespace, multiplexed over its Manager's
// connection. It mirrors the server's Socket: On/Once/OnAny to receive,
// Emit/EmitWithAck to send. All methods are safe for concurrent use.
type Socket struct {
	m   *Manager
	nsp string
	cfg SocketConfig
	em  emitter.Emitter[*Event]
	out atomic.Int32 // outgoing catch-all listeners

	mu        sync.Mutex
	closed    bool // the Manager closed; refuse new packets
	active    bool
	connected bool
	id        string
	conn      transport.Conn // the connection while connected
	session   uint64         // counts connections, for stale acks
	sentTo    *link          // the link a CONNECT was sent on
	flushing  bool           // buf is being sent after a connect
	ackSeq    uint64
	acks      map[uint64]*outPacket
	buf       []*outPacket    // emits waiting for a connection
	queue     []*outPacket    // the retry queue (Config.Retries > 0)
	recv      []*codec.Packet // events that came before the CONNECT reply
}

func newSocket(m *Manager, nsp string, cfg SocketConfig) *Socket {
	s := &Socket{m: m, nsp: nsp, cfg: cfg, acks: make(map[uint64]*outPacket)}
	s.em.OnPanic = m.logPanic
	return s
}

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() string { return s.nsp }

// Manager returns the socket's Manager.
func (s *Socket) Manager() *Manager { return s.m }

// ID returns the id the server assigned at the last connect, "" while not
// connected. It is not the Engine.IO session id.
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Connected reports whether the server has accepted the socket and the
// connection is up.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Active reports whether the socket wants to be connected: from Connect
// until Disconnect, a server DISCONNECT or a CONNECT_ERROR. An active socket
// that is not connected is reconnected by its Manager.
func (s *Socket) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Recovered reports whether the last connect restored the previous session
// (connection state recovery). It is always false for now.
func (s *Socket) Recovered() bool { return false }

// Connect connects the socket, opening the Manager's connection if needed.
// It returns at once; "connect" or "connect_error" follows. It does nothing
// while the socket is connected or on a closed Manager.
func (s *Socket) Connect() {
	if s.m.closed.Load() {
		return
	}
	s.mu.Lock()
	if s.connected {
		s.mu.Unlock()
		return
	}
	s.active = true
	s.mu.Unlock()
	if l := s.m.ensureOpen(); l != nil {
		s.sendConnect(l)
	}
}

// Disconnect leaves the namespace: it sends DISCONNECT when connected, emits
// "disconnect" with ReasonClientDisconnect and stops reconnecting the
// socket. Acknowledgements awaited for packets already sent fail with
// ErrDisconnected; emits still buffered stay buffered for a later Connect.
// When no socket of the Manager remains active its connection is closed.
func (s *Socket) Disconnect() {
	s.mu.Lock()
	was, conn := s.connected, s.conn
	s.active = false
	failed := s.dropLocked(false)
	s.mu.Unlock()
	if was {
		_ = conn.Send(transport.NewMessage(codec.AppendPacket(nil, &codec.Packet{Type: codec.Disconnect, Namespace: s.nsp}), false))
	}
	failAll(failed, ErrDisconnected)
	if was {
		s.emitReserved(&Event{Name: "disconnect", Reason: ReasonClientDisconnect})
	}
	s.m.idle()
}

// On adds h for event ev (including "connect", "connect_error" and
// "disconnect") and returns its remover.
func (s *Socket) On(ev string, h Handler) (off func()) { return s.em.On(ev, h) }

// Once is On for a handler removed before its first call.
func (s *Socket) Once(ev string, h Handler) (off func()) { return s.em.Once(ev, h) }

// Prepend is On adding h before the existing handlers of ev.
func (s *Socket) Prepend(ev string, h Handler) (off func()) { return s.em.Prepend(ev, h) }

// OnAny adds a handler called for every event from the server, before its
// named handlers (not for lifecycle events), and returns its remover.
func (s *Socket) OnAny(h Handler) (off func()) { return s.em.OnAny(anyHandler(h)) }

// PrependAny is OnAny adding h before the existing catch-all handlers.
func (s *Socket) PrependAny(h Handler) (off func()) { return s.em.PrependAny(anyHandler(h)) }

// OffAny removes every catch-all handler.
func (s *Socket) OffAny() { s.em.OffAny() }

// OnAnyOutgoing adds a handler called with every event as it is handed to
// the connection (a buffered emit when it is flushed), on the sending
// goroutine; Event.Args hold the Go values given to Emit.
func (s *Socket) OnAnyOutgoing(h Handler) (off func()) {
	return s.countOut(s.em.OnAnyOutgoing(anyHandler(h)))
}

// PrependAnyOutgoing is OnAnyOutgoing adding h first.
func (s *Socket) PrependAnyOutgoing(h Handler) (off func()) {
	return s.countOut(s.em.PrependAnyOutgoing(anyHandler(h)))
}

// countOut counts an outgoing handler until its remover runs.
func (s *Socket) countOut(remove func()) (off func()) {
	s.out.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.out.Add(-1)
			remove()
		})
	}
}

// OffAnyOutgoing removes every outgoing catch-all handler.
func (s *Socket) OffAnyOutgoing() {
	s.em.OffAnyOutgoing()
	s.out.Store(0)
}

func anyHandler(h Handler) func(string, *Event) { return func(_ string, e *Event) { h(e) } }

func (s *Socket) emitReserved(e *Event) {
	e.socket = s
	_, _ = s.em.EmitReserved(e.Name, e)
}

// Emit sends event ev with args. While the socket is not connected the
// packet is buffered (see the package doc) and Emit returns nil, or
// ErrBufferFull. []byte arguments become binary attachments; they are not
// copied and must not be modified afterwards. A reserved name returns
// ErrReserved, an argument that does not marshal its JSON error.
func (s *Socket) Emit(ev string, args ...any) error {
	_, err := s.emit(ev, args, false, false)
	return err
}

// EmitWithAck sends ev with args and waits for the server's
// acknowledgement, returning its arguments. It fails with the wrapped
// ctx.Err() when ctx ends first, ErrDisconnected when the connection the
// packet went out on is lost, ErrClosed when the Manager closes, and (with
// Config.Retries) ErrAckTimeout. While disconnected the packet is buffered
// like Emit's. Do not call it from a handler of the same Manager: the
// acknowledgement is delivered on the goroutine the handler holds.
func (s *Socket) EmitWithAck(ctx context.Context, ev string, args ...any) (Args, error) {
	p, err := s.emit(ev, args, false, true)
	if err != nil {
		return Args{}, err
	}
	select {
	case r := <-p.wait:
		if r.err != nil {
			return Args{}, fmt.Errorf("client: emit %q: %w", ev, r.err)
		}
		return r.args, nil
	case <-ctx.Done():
		s.abandon(p)
		return Args{}, fmt.Errorf("client: emit %q: %w", ev, ctx.Err())
	}
}

// Volatile returns a view of the socket whose emits are dropped, not
// buffered, while it is not connected.
func (s *Socket) Volatile() Volatile { return Volatile{s: s} }

// Volatile sends events that may be lost: it never buffers and never
// retries. Get one from Socket.Volatile.
type Volatile struct{ s *Socket }

// Emit sends ev with args when the socket is connected and otherwise drops
// them, returning ErrNotConnected.
func (v Volatile) Emit(ev string, args ...any) error {
	_, err := v.s.emit(ev, args, true, false)
	return err
}

// sendConnect sends the CONNECT packet on l, once per link.
func (s *Socket) sendConnect(l *link) {
	s.mu.Lock()
	if !s.active || s.sentTo == l {
		s.mu.Unlock()
		return
	}
	s.sentTo = l
	s.mu.Unlock()
	data, err := s.auth()
	if err != nil {
		s.mu.Lock()
		s.active, s.sentTo = false, nil
		s.mu.Unlock()
		s.emitReserved(&Event{Name: "connect_error", Err: err})
		s.m.idle()
		return
	}
	pkt := codec.Packet{Type: codec.Connect, Namespace: s.nsp, Data: data}
	_ = l.conn.Send(transport.NewMessage(codec.AppendPacket(nil, &pkt), false))
}

// auth returns the CONNECT payload.
func (s *Socket) auth() (json.RawMessage, error) {
	v := s.cfg.Auth
	if s.cfg.AuthFunc != nil {
		ctx, cancel := context.WithTimeout(s.m.ctx, s.m.cfg.Timeout)
		defer cancel()
		var err error
		if v, err = s.cfg.AuthFunc(ctx); err != nil {
			return nil, fmt.Errorf("client: auth for %q: %w", s.nsp, err)
		}
	}
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("client: auth for %q: %w", s.nsp, err)
	}
	return b, nil
}

// dialFailed reports a failed dial as "connect_error" to a socket waiting to
// connect.
func (s *Socket) dialFailed(err error) {
	s.mu.Lock()
	waiting := s.active && !s.connected
	s.mu.Unlock()
	if waiting {
		s.emitReserved(&Event{Name: "connect_error", Err: err})
	}
}

// onPacket handles one packet from the server for this namespace.
func (s *Socket) onPacket(l *link, p *codec.Packet) error {
	switch p.Type {
	case codec.Connect:
		var reply struct {
			SID string `json:"sid"`
		}
		if err := json.Unmarshal(p.Data, &reply); err != nil || reply.SID == "" {
			s.refused(&ConnectError{Message: "client: CONNECT reply without sid (is the server Socket.IO v2?)"})
			return nil
		}
		s.connect(l, reply.SID)
	case codec.ConnectError:
		s.refused(connectError(p.Data))
	case codec.Disconnect:
		s.serverDisconnect()
	case codec.Event, codec.BinaryEvent:
		return s.onEvent(p)
	case codec.Ack, codec.BinaryAck:
		return s.onAck(p)
	default:
		return fmt.Errorf("client: unexpected packet type %d", p.Type)
	}
	return nil
}

// connectError parses a CONNECT_ERROR payload: {"message","data"} or, from
// older servers, a string.
func connectError(data json.RawMessage) *ConnectError {
	var obj struct {
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &obj); err == nil {
		return &ConnectError{Message: obj.Message, Data: obj.Data}
	}
	var msg string
	if err := json.Unmarshal(data, &msg); err == nil {
		return &ConnectError{Message: msg}
	}
	return &ConnectError{Message: string(data)}
}

// refused handles a CONNECT_ERROR: the socket stops being active.
func (s *Socket) refused(err *ConnectError) {
	s.mu.Lock()
	s.active, s.sentTo = false, nil
	s.mu.Unlock()
	s.emitReserved(&Event{Name: "connect_error", Err: err})
	s.m.idle()
}

// connect handles the CONNECT reply: buffered events are delivered, buffered
// emits flushed in order, the retry queue restarted, then "connect".
func (s *Socket) connect(l *link, sid string) {
	s.mu.Lock()
	if !s.active || s.connected {
		s.mu.Unlock()
		return
	}
	s.connected, s.id, s.conn, s.flushing = true, sid, l.conn, true
	s.session++
	recv := s.recv
	s.recv = nil
	s.mu.Unlock()
	for _, p := range recv {
		_ = s.onEvent(p)
	}
	s.flush()
	s.drain(true)
	s.emitReserved(&Event{Name: "connect"})
}

// serverDisconnect handles a DISCONNECT from the server.
func (s *Socket) serverDisconnect() {
	s.mu.Lock()
	was := s.connected
	s.active = false
	failed := s.dropLocked(false)
	s.mu.Unlock()
	failAll(failed, ErrDisconnected)
	if was {
		s.emitReserved(&Event{Name: "disconnect", Reason: ReasonServerDisconnect})
	}
	s.m.idle()
}

// lost handles the loss of the Manager's connection; the socket stays
// active, so it reconnects with the Manager.
func (s *Socket) lost(reason DisconnectReason) {
	s.mu.Lock()
	was := s.connected
	failed := s.dropLocked(false)
	s.mu.Unlock()
	failAll(failed, ErrDisconnected)
	if was {
		s.emitReserved(&Event{Name: "disconnect", Reason: reason})
	}
}

// shutdown is the socket's part of Manager.Close.
func (s *Socket) shutdown(l *link) {
	s.mu.Lock()
	was, conn := s.connected, s.conn
	s.active, s.closed = false, true
	failed := s.dropLocked(true)
	s.mu.Unlock()
	if was && l != nil && conn == l.conn {
		_ = conn.Send(transport.NewMessage(codec.AppendPacket(nil, &codec.Packet{Type: codec.Disconnect, Namespace: s.nsp}), false))
	}
	failAll(failed, ErrClosed)
	if was {
		s.emitReserved(&Event{Name: "disconnect", Reason: ReasonClientDisconnect})
	}
}

// dropLocked marks the socket disconnected and returns the packets whose
// waits must fail: those sent on the lost connection (and, with all, every
// buffered or queued one too, which are then discarded). s.mu must be held.
func (s *Socket) dropLocked(all bool) []*outPacket {
	s.connected, s.id, s.conn, s.sentTo, s.flushing = false, "", nil, nil, false
	s.recv = nil
	var failed []*outPacket
	for id, p := range s.acks {
		if all || (p.sent && !p.queued) {
			delete(s.acks, id)
			failed = append(failed, p)
		}
	}
	if all {
		for _, p := range s.queue {
			p.stopTimer()
		}
		s.buf, s.queue = nil, nil
		return failed
	}
	if len(s.queue) > 0 && s.queue[0].pending {
		p := s.queue[0]
		p.stopTimer()
		p.pending = false
		if p.tries > s.m.cfg.Retries || p.cancelled {
			s.queue = s.queue[1:]
			delete(s.acks, p.id)
			failed = append(failed, p)
		}
	}
	return failed
}

// onEvent delivers an EVENT to the handlers (or keeps it until the CONNECT
// reply).
func (s *Socket) onEvent(p *codec.Packet) error {
	name, args, err := eventArgs(p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if !s.connected {
		if len(s.recv) < s.m.cfg.SendBufferSize {
			s.recv = append(s.recv, p)
		}
		s.mu.Unlock()
		return nil
	}
	session := s.session
	s.mu.Unlock()
	e := &Event{Name: name, Args: args, socket: s, ackID: p.ID, hasAck: p.HasID, session: session}
	_, _ = s.em.Emit(name, e)
	return nil
}

// eventArgs returns the name and arguments of an EVENT packet, wire or
// in-process form.
func eventArgs(p *codec.Packet) (string, Args, error) {
	if p.Values != nil {
		if len(p.Values) == 0 {
			return "", Args{}, fmt.Errorf("client: event without name")
		}
		name, ok := p.Values[0].(string)
		if !ok || emitter.IsReserved(name) {
			return "", Args{}, fmt.Errorf("client: bad event name %v", p.Values[0])
		}
		return name, codec.ArgsOf(p.Values[1:]...), nil
	}
	name, rest, err := codec.EventName(p.Data)
	if err != nil {
		return "", Args{}, err
	}
	if emitter.IsReserved(name) {
		return "", Args{}, fmt.Errorf("client: %w: %q", codec.ErrReservedEvent, name)
	}
	return name, Args{Raw: rest, Attachments: p.Attachments}, nil
}

// ackArgs returns the arguments of an ACK packet.
func ackArgs(p *codec.Packet) (Args, error) {
	if p.Values != nil {
		return codec.ArgsOf(p.Values...), nil
	}
	return codec.SplitArgs(p.Data, p.Attachments)
}

// onAck hands an acknowledgement to its waiter and moves the retry queue on.
func (s *Socket) onAck(p *codec.Packet) error {
	args, err := ackArgs(p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	op := s.acks[p.ID]
	if op == nil || !p.HasID {
		s.mu.Unlock()
		return nil
	}
	delete(s.acks, p.ID)
	if op.queued {
		op.stopTimer()
		if i := slices.Index(s.queue, op); i >= 0 {
			s.queue = slices.Delete(s.queue, i, i+1)
		}
	}
	s.mu.Unlock()
	op.finish(ackResult{args: args})
	if op.queued {
		s.drain(false)
	}
	return nil
}

// failAll ends the waits of ps with err.
func failAll(ps []*outPacket, err error) {
	for _, p := range ps {
		p.finish(ackResult{err: err})
	}
}
