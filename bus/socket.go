package bus

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/emitter"
	"github.com/sockbus/sockbus/transport"
)

type eventEmitter = emitter.Emitter[*Event]

// PacketMiddleware runs for every event a socket receives, before its
// listeners, on the connection's reader goroutine. A non-nil error drops the
// event and is delivered to the socket's "error" listeners (Event.Err).
type PacketMiddleware func(*Event) error

// Socket is one client's connection to one namespace. Its methods are safe
// for concurrent use.
//
// Lifecycle events are listened to with On: "disconnecting" (rooms still
// joined) and then "disconnect", both with Event.Reason set; "error" for
// packet middleware errors (Event.Err).
type Socket struct {
	id     string
	ns     *Namespace
	c      *conn
	hs     Handshake
	ctx    context.Context
	cancel context.CancelFunc

	connected atomic.Bool
	closing   atomic.Bool
	em        eventEmitter
	errs      eventEmitter // "error" listeners, kept apart from catch-all dispatch
	outN      atomic.Int32
	mws       cowList[PacketMiddleware]

	dataMu sync.RWMutex
	data   any

	ackMu   sync.Mutex
	acks    map[uint64]func(Args)
	nextAck uint64
}

func newSocket(ns *Namespace, c *conn, auth json.RawMessage) *Socket {
	ctx, cancel := context.WithCancel(context.Background())
	h := c.hs
	return &Socket{
		id: newID(), ns: ns, c: c, ctx: ctx, cancel: cancel,
		hs: Handshake{
			Headers: h.Header, Query: h.Query, Auth: auth, Address: h.Address,
			Time: time.Now(), URL: h.URL, Secure: h.Secure || h.Transport == "pipe", XDomain: h.XDomain,
		},
	}
}

// newID returns 20 random base64url characters, like Node's base64id.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// connectReply is the CONNECT packet {"sid":id}.
func connectReply(nsp, id string) *codec.Packet {
	return &codec.Packet{Type: codec.Connect, Namespace: nsp, Data: json.RawMessage(`{"sid":"` + id + `"}`)}
}

// ID returns the socket id (not the transport id). Every socket is in the
// room named by its id.
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.ns }

// Handshake returns how the socket connected. It is shared; do not modify.
func (s *Socket) Handshake() Handshake { return s.hs }

// Conn returns the transport connection carrying the socket.
func (s *Socket) Conn() transport.Conn { return s.c.tc }

// Context returns a context done when the socket disconnects.
func (s *Socket) Context() context.Context { return s.ctx }

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool { return s.connected.Load() }

// Data returns the value stored with SetData (nil by default). It is what
// FetchSockets reports as the socket's data.
func (s *Socket) Data() any {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.data
}

// SetData stores v with the socket (Node's socket.data). v should be
// JSON-marshalable for remote FetchSockets and must not be modified after.
func (s *Socket) SetData(v any) {
	s.dataMu.Lock()
	s.data = v
	s.dataMu.Unlock()
}

// Rooms returns the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []string { return s.ns.rooms.Rooms(s.id) }

// Join adds the socket to rooms. It may be called from a Middleware (the
// rooms are dropped if the connection is refused); it does nothing once
// the socket is disconnected.
func (s *Socket) Join(rooms ...string) {
	if !s.closing.Load() {
		s.ns.rooms.Join(s.id, rooms...)
	}
}

// Leave removes the socket from rooms.
func (s *Socket) Leave(rooms ...string) { s.ns.rooms.Leave(s.id, rooms...) }

// On adds a listener for ev and returns its remover. Reserved names are
// allowed here ("disconnect", "disconnecting"); "error" receives packet
// middleware errors.
func (s *Socket) On(ev string, h Handler) (off func()) { return s.emitterFor(ev).On(ev, h) }

// emitterFor returns the emitter holding ev's listeners: "error" events come
// from bus, never from the client, and skip the catch-all listeners.
func (s *Socket) emitterFor(ev string) *eventEmitter {
	if ev == "error" {
		return &s.errs
	}
	return &s.em
}

// Once is On for a listener removed after its first call.
func (s *Socket) Once(ev string, h Handler) (off func()) { return s.emitterFor(ev).Once(ev, h) }

// OnAny adds a listener called for every incoming event, before the named
// listeners.
func (s *Socket) OnAny(h Handler) (off func()) {
	return s.em.OnAny(func(_ string, e *Event) { h(e) })
}

// PrependAny is OnAny adding h before the other catch-all listeners.
func (s *Socket) PrependAny(h Handler) (off func()) {
	return s.em.PrependAny(func(_ string, e *Event) { h(e) })
}

// OffAny removes every catch-all listener.
func (s *Socket) OffAny() { s.em.OffAny() }

// OnAnyOutgoing adds a listener called for every event sent to the socket
// (its Emit and the broadcasts reaching it), with Args in the in-process
// form. It runs on the emitting goroutine and must not block.
func (s *Socket) OnAnyOutgoing(h Handler) (off func()) {
	return s.outgoing(s.em.OnAnyOutgoing(func(_ string, e *Event) { h(e) }))
}

// PrependAnyOutgoing is OnAnyOutgoing adding h first.
func (s *Socket) PrependAnyOutgoing(h Handler) (off func()) {
	return s.outgoing(s.em.PrependAnyOutgoing(func(_ string, e *Event) { h(e) }))
}

// OffAnyOutgoing removes every outgoing catch-all listener.
func (s *Socket) OffAnyOutgoing() {
	s.em.OffAnyOutgoing()
	s.outN.Store(0)
}

func (s *Socket) outgoing(off func()) func() {
	s.outN.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			off()
			if s.outN.Add(-1) < 0 {
				s.outN.Store(0)
			}
		})
	}
}

// notifyOut calls the outgoing listeners for an EVENT packet, if any.
func (s *Socket) notifyOut(pkt *codec.Packet) {
	if s.outN.Load() == 0 {
		return
	}
	e := &Event{socket: s}
	if pkt.Values != nil {
		e.Name, _ = pkt.Values[0].(string)
		e.Args = spliced(pkt.Values[1:])
	} else if name, rest, err := codec.EventName(pkt.Data); err == nil {
		e.Name, e.Args = name, Args{Raw: rest, Attachments: pkt.Attachments}
	}
	if err := s.em.EmitOutgoing(e.Name, e); err != nil {
		s.ns.srv.log.Error("bus: outgoing listener panicked", "socket", s.id, "err", err)
	}
}

// Use adds a packet middleware (see PacketMiddleware).
func (s *Socket) Use(mw PacketMiddleware) { s.mws.add(mw) }

func checkName(ev string) error {
	if emitter.IsReserved(ev) {
		return ErrReserved
	}
	return nil
}

// Emit sends an event to the client. It never blocks. It fails with
// ErrReserved for reserved names, ErrNotConnected once disconnected, or the
// transport's error; errors are wrapped with the event name.
//
// Arguments may hold []byte anywhere (sent as binary attachments). An Args
// among them, such as a received Event.Args, is spliced in: it stands for
// its own arguments, re-sent unchanged (raw JSON byte for byte, binary as
// binary in the same placeholder order; see codec.AppendArgs), so
// s.Emit("echo", e.Args) echoes an event. The same holds for every Emit,
// EmitWithAck and Ack of this package.
func (s *Socket) Emit(ev string, args ...any) error {
	if err := checkName(ev); err != nil {
		return opErr("emit", ev, err)
	}
	if !s.connected.Load() {
		return opErr("emit", ev, ErrNotConnected)
	}
	pkt := &codec.Packet{Type: codec.Event, Namespace: s.ns.name, Values: prepend(ev, args)}
	if err := s.deliver(pkt); err != nil {
		return opErr("emit", ev, err)
	}
	return nil
}

// deliver sends a packet built for this socket alone.
func (s *Socket) deliver(pkt *codec.Packet) error {
	s.notifyOut(pkt)
	return s.c.sendOne(*pkt)
}

// EmitWithAck sends an event asking for an acknowledgement and waits for
// it. Arguments are as for Emit. It returns the ack's arguments, or the wrapped ctx error when ctx is
// done first, or ErrNotConnected when the socket disconnects first. It
// blocks: do not call it from a handler of the same connection when the ack
// depends on that connection's next packets being read (start a goroutine).
func (s *Socket) EmitWithAck(ctx context.Context, ev string, args ...any) (Args, error) {
	if err := checkName(ev); err != nil {
		return Args{}, opErr("emit with ack", ev, err)
	}
	if !s.connected.Load() {
		return Args{}, opErr("emit with ack", ev, ErrNotConnected)
	}
	ch := make(chan Args, 1)
	id := s.addAck(func(a Args) { ch <- a })
	pkt := &codec.Packet{Type: codec.Event, Namespace: s.ns.name, ID: id, HasID: true, Values: prepend(ev, args)}
	if err := s.deliver(pkt); err != nil {
		s.dropAck(id)
		return Args{}, opErr("emit with ack", ev, err)
	}
	select {
	case a := <-ch:
		return a, nil
	case <-ctx.Done():
		s.dropAck(id)
		return Args{}, opErr("emit with ack", ev, ctx.Err())
	case <-s.ctx.Done():
		select {
		case a := <-ch:
			return a, nil
		default:
		}
		return Args{}, opErr("emit with ack", ev, ErrNotConnected)
	}
}

// addAck registers fn for the next ack id.
func (s *Socket) addAck(fn func(Args)) uint64 {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	if s.acks == nil {
		s.acks = make(map[uint64]func(Args))
	}
	id := s.nextAck
	s.nextAck++
	s.acks[id] = fn
	return id
}

func (s *Socket) dropAck(id uint64) {
	s.ackMu.Lock()
	delete(s.acks, id)
	s.ackMu.Unlock()
}

func (s *Socket) onAck(id uint64, args Args) {
	s.ackMu.Lock()
	fn := s.acks[id]
	delete(s.acks, id)
	s.ackMu.Unlock()
	if fn != nil {
		fn(args)
	}
}

// sendAck answers the client's ack id with args.
func (s *Socket) sendAck(id uint64, args []any) error {
	if args == nil {
		args = []any{}
	}
	if !s.connected.Load() {
		return ErrNotConnected
	}
	return s.c.sendOne(codec.Packet{Type: codec.Ack, Namespace: s.ns.name, ID: id, HasID: true, Values: args})
}

// onEvent runs the packet middlewares and the listeners for an inbound event.
func (s *Socket) onEvent(e *Event) {
	name := e.Name
	for _, mw := range s.mws.load() {
		var err error
		if !s.ns.safe("packet middleware", func() { err = mw(e) }) {
			s.panicked()
			return
		}
		if err != nil {
			s.emitReserved(&Event{Name: "error", Err: err, socket: s})
			return
		}
	}
	if _, err := s.em.Emit(name, e); err != nil {
		s.ns.srv.log.Error("bus: handler panicked", "namespace", s.ns.name, "socket", s.id, "event", name, "err", err)
		s.panicked()
	}
}

func (s *Socket) panicked() { _ = s.Disconnect(false) }

// emitReserved delivers a lifecycle event, logging listener panics.
func (s *Socket) emitReserved(e *Event) {
	if _, err := s.emitterFor(e.Name).EmitReserved(e.Name, e); err != nil {
		s.ns.srv.log.Error("bus: handler panicked", "namespace", s.ns.name, "socket", s.id, "event", e.Name, "err", err)
	}
}

// To returns a Broadcast to rooms from this socket: the socket itself is
// excluded.
func (s *Socket) To(rooms ...string) Broadcast { return s.Broadcast().To(rooms...) }

// In is To.
func (s *Socket) In(rooms ...string) Broadcast { return s.To(rooms...) }

// Except returns a Broadcast to every other socket not in rooms.
func (s *Socket) Except(rooms ...string) Broadcast { return s.Broadcast().Except(rooms...) }

// Broadcast returns a Broadcast to every other socket of the namespace.
func (s *Socket) Broadcast() Broadcast {
	return Broadcast{ns: s.ns, except: []string{s.id}}
}

// Disconnect disconnects the socket. With close false, the client gets a
// DISCONNECT packet and the socket's reason is "server namespace
// disconnect"; the connection stays open for other namespaces. With close
// true, every socket of the connection is disconnected that way and the
// connection is closed (as Node's socket.disconnect(true)).
func (s *Socket) Disconnect(close bool) error {
	if !s.connected.Load() {
		return fmt.Errorf("bus: disconnect: %w", ErrNotConnected)
	}
	if !close {
		s.serverDisconnect()
		return nil
	}
	for _, o := range s.c.all() {
		o.serverDisconnect()
	}
	return s.c.tc.Close(transport.ErrForcedClose)
}

func (s *Socket) serverDisconnect() {
	if s.closing.Load() {
		return
	}
	s.c.sendControl(&codec.Packet{Type: codec.Disconnect, Namespace: s.ns.name})
	s.close(ReasonServerNamespaceDisconnect)
}

// close disconnects the socket once: "disconnecting" while its rooms are
// still there, then cleanup, then "disconnect".
func (s *Socket) close(reason DisconnectReason) {
	if !s.closing.CompareAndSwap(false, true) {
		return
	}
	s.emitReserved(&Event{Name: "disconnecting", Reason: reason, Args: Args{Values: []any{string(reason)}}, socket: s})
	s.ns.rooms.LeaveAll(s.id)
	s.ns.sockets.del(s.id)
	s.c.remove(s)
	s.connected.Store(false)
	s.cancel()
	s.ackMu.Lock()
	s.acks = nil
	s.ackMu.Unlock()
	s.emitReserved(&Event{Name: "disconnect", Reason: reason, Args: Args{Values: []any{string(reason)}}, socket: s})
	s.ns.release()
}
