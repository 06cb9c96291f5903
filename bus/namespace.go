package bus

import (
	"context"
	"encoding/json"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sockbus/sockbus/room"
)

// Middleware runs for every socket connecting to a namespace, before it is
// connected, on the connection's reader goroutine. A non-nil error refuses
// the connection with CONNECT_ERROR: a *ConnectError gives the message and
// data, any other error its Error() text.
type Middleware func(*Socket) error

// cowList is a copy-on-write list: adds take a mutex, reads are lock-free.
type cowList[T any] struct {
	mu sync.Mutex
	p  atomic.Pointer[[]T]
}

func (l *cowList[T]) add(v T) {
	l.mu.Lock()
	old := l.load()
	n := make([]T, len(old), len(old)+1)
	copy(n, old)
	n = append(n, v)
	l.p.Store(&n)
	l.mu.Unlock()
}

func (l *cowList[T]) load() []T {
	if p := l.p.Load(); p != nil {
		return *p
	}
	return nil
}

const shards = 64

// socketMap is a sharded map from socket id to socket.
type socketMap struct {
	seed   maphash.Seed
	shards [shards]struct {
		mu sync.RWMutex
		m  map[string]*Socket
	}
}

func newSocketMap() *socketMap {
	m := &socketMap{seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].m = make(map[string]*Socket)
	}
	return m
}

func (m *socketMap) shard(id string) int { return int(maphash.String(m.seed, id) % shards) }

func (m *socketMap) get(id string) *Socket {
	sh := &m.shards[m.shard(id)]
	sh.mu.RLock()
	s := sh.m[id]
	sh.mu.RUnlock()
	return s
}

func (m *socketMap) put(s *Socket) {
	sh := &m.shards[m.shard(s.id)]
	sh.mu.Lock()
	sh.m[s.id] = s
	sh.mu.Unlock()
}

func (m *socketMap) del(id string) {
	sh := &m.shards[m.shard(id)]
	sh.mu.Lock()
	delete(sh.m, id)
	sh.mu.Unlock()
}

func (m *socketMap) all() []*Socket { return m.appendAll(nil) }

// appendAll appends every socket to dst, one shard at a time.
func (m *socketMap) appendAll(dst []*Socket) []*Socket {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		for _, s := range sh.m {
			dst = append(dst, s)
		}
		sh.mu.RUnlock()
	}
	return dst
}

// Namespace is a communication channel multiplexed over connections
// ("/" is the main one). Its methods are safe for concurrent use.
type Namespace struct {
	srv     *Server
	name    string
	parent  *ParentNamespace
	sockets *socketMap
	rooms   *room.Index
	cache   roomCache // rooms resolved to sockets (targets.go)
	adapter Adapter
	obs     RoomObserver

	mws    cowList[Middleware]
	onConn cowList[func(*Socket)]
	onRoom cowList[func(room.Event)]
	sse    eventEmitter

	// Removal of an empty child (Config.CleanupEmptyChildNamespaces).
	cleanup bool
	lifeMu  sync.Mutex
	active  int  // sockets connecting or connected
	removed bool // no longer in Server.nss

	closeOnce  sync.Once
	adapterErr error
}

func newNamespace(s *Server, name string, parent *ParentNamespace) (*Namespace, error) {
	return newNamespaceWith(s, name, parent, s.cfg.NewAdapter)
}

func newNamespaceWith(s *Server, name string, parent *ParentNamespace, f AdapterFactory) (*Namespace, error) {
	ns := &Namespace{srv: s, name: name, parent: parent, sockets: newSocketMap()}
	ns.cleanup = parent != nil && s.cfg.CleanupEmptyChildNamespaces
	ns.rooms = room.New(room.Config{OnEvent: ns.onRoomEvent})
	a, err := f(local{ns})
	if err != nil {
		return nil, err
	}
	ns.adapter = a
	ns.obs, _ = a.(RoomObserver)
	return ns, nil
}

// acquire counts a connecting socket; the caller holds srv.mu and found ns
// in srv.nss, so ns is not removed. It does nothing unless ns.cleanup.
func (ns *Namespace) acquire() {
	if ns.cleanup {
		ns.lifeMu.Lock()
		ns.active++
		ns.lifeMu.Unlock()
	}
}

// release uncounts a socket that was refused or has disconnected, removing
// the namespace when it was the last one.
func (ns *Namespace) release() {
	if !ns.cleanup {
		return
	}
	ns.lifeMu.Lock()
	ns.active--
	empty := ns.active == 0
	ns.lifeMu.Unlock()
	if empty {
		ns.srv.removeEmpty(ns)
	}
}

// closeAdapter closes the adapter once.
func (ns *Namespace) closeAdapter() error {
	ns.closeOnce.Do(func() { ns.adapterErr = ns.adapter.Close() })
	return ns.adapterErr
}

// Name returns the namespace name, e.g. "/" or "/admin".
func (ns *Namespace) Name() string { return ns.name }

// Server returns the server of the namespace.
func (ns *Namespace) Server() *Server { return ns.srv }

// Adapter returns the namespace's adapter.
func (ns *Namespace) Adapter() Adapter { return ns.adapter }

// Use adds a middleware, run after those added before (and after the
// parent's, for a child of a dynamic namespace).
func (ns *Namespace) Use(mw Middleware) { ns.mws.add(mw) }

// OnConnection adds a handler called for every socket once it is connected
// (after the CONNECT reply was sent), on the connection's reader goroutine.
func (ns *Namespace) OnConnection(fn func(*Socket)) { ns.onConn.add(fn) }

// OnRoomEvent adds a handler for the changes of the local room index
// (create-room, delete-room, join-room, leave-room). It runs on the
// goroutine that made the change and must not block.
func (ns *Namespace) OnRoomEvent(fn func(room.Event)) { ns.onRoom.add(fn) }

// OnServerSideEmit adds a handler for events another server of the cluster
// sent with ServerSideEmit. Event.Socket returns nil; Event.Ack answers a
// ServerSideEmitWithAck (once per server: the first Ack wins).
func (ns *Namespace) OnServerSideEmit(ev string, h Handler) (off func()) {
	return ns.sse.On(ev, h)
}

func (ns *Namespace) onRoomEvent(e room.Event) {
	ns.cache.changed(e)
	for _, fn := range ns.onRoom.load() {
		ns.safe("room event", func() { fn(e) })
	}
	if ns.obs != nil {
		ns.obs.OnRoomEvent(e)
	}
}

// safe runs fn, logging a panic.
func (ns *Namespace) safe(what string, fn func()) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			ns.srv.log.Error("bus: handler panicked", "namespace", ns.name, "handler", what, "panic", v)
			ok = false
		}
	}()
	fn()
	return true
}

// Socket returns the local socket with the given id, or nil.
func (ns *Namespace) Socket(id string) *Socket { return ns.sockets.get(id) }

// Sockets returns the connected sockets of this server (a snapshot).
func (ns *Namespace) Sockets() []*Socket { return ns.sockets.all() }

// Rooms returns the rooms with at least one member on this server,
// socket-id rooms included.
func (ns *Namespace) Rooms() []string { return ns.rooms.AllRooms(nil) }

// To returns a Broadcast to the sockets in room (rooms are a union).
func (ns *Namespace) To(rooms ...string) Broadcast { return Broadcast{ns: ns}.To(rooms...) }

// In is To.
func (ns *Namespace) In(rooms ...string) Broadcast { return ns.To(rooms...) }

// Except returns a Broadcast to every socket not in rooms.
func (ns *Namespace) Except(rooms ...string) Broadcast { return Broadcast{ns: ns}.Except(rooms...) }

// Local returns a Broadcast limited to this server.
func (ns *Namespace) Local() Broadcast { return Broadcast{ns: ns}.Local() }

// Volatile returns a volatile Broadcast (see Broadcast.Volatile).
func (ns *Namespace) Volatile() Broadcast { return Broadcast{ns: ns}.Volatile() }

// Emit sends an event to every socket of the namespace, cluster-wide.
func (ns *Namespace) Emit(ev string, args ...any) error { return Broadcast{ns: ns}.Emit(ev, args...) }

// EmitWithAck is Broadcast.EmitWithAck to every socket of the namespace.
func (ns *Namespace) EmitWithAck(ctx context.Context, ev string, args ...any) ([]Args, error) {
	return Broadcast{ns: ns}.EmitWithAck(ctx, ev, args...)
}

// FetchSockets describes every socket of the namespace, cluster-wide.
func (ns *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return Broadcast{ns: ns}.FetchSockets(ctx)
}

// ServerSideEmit sends an event to the OnServerSideEmit handlers of the
// other servers of the cluster (not this one).
func (ns *Namespace) ServerSideEmit(ctx context.Context, ev string, args ...any) error {
	if err := checkName(ev); err != nil {
		return opErr("server-side emit", ev, err)
	}
	if err := ns.adapter.ServerSideEmit(ctx, prepend(ev, args)); err != nil {
		return opErr("server-side emit", ev, err)
	}
	return nil
}

// ServerSideEmitWithAck is ServerSideEmit waiting for one acknowledgement
// per other server until ctx is done; it returns what arrived, and the ctx
// error (wrapped) when not every server answered.
func (ns *Namespace) ServerSideEmitWithAck(ctx context.Context, ev string, args ...any) ([]Args, error) {
	if err := checkName(ev); err != nil {
		return nil, opErr("server-side emit", ev, err)
	}
	res, err := ns.adapter.ServerSideEmitWithAck(ctx, prepend(ev, args))
	if err != nil {
		return res, opErr("server-side emit", ev, err)
	}
	return res, nil
}

func prepend(ev string, args []any) []any {
	v := make([]any, 0, len(args)+1)
	return append(append(v, ev), args...)
}

// middlewares returns the parent's middlewares then the namespace's own.
func (ns *Namespace) middlewares() []Middleware {
	own := ns.mws.load()
	if ns.parent == nil {
		return own
	}
	return append(append([]Middleware(nil), ns.parent.mws.load()...), own...)
}

func (ns *Namespace) connHandlers() []func(*Socket) {
	own := ns.onConn.load()
	if ns.parent == nil {
		return own
	}
	return append(append([]func(*Socket){}, ns.parent.onConn.load()...), own...)
}

// connect runs the middlewares for a new socket on c and connects it.
func (ns *Namespace) connect(c *conn, auth json.RawMessage) {
	s := newSocket(ns, c, auth)
	for _, mw := range ns.middlewares() {
		var err error
		if !ns.safe("middleware", func() { err = mw(s) }) {
			err = &ConnectError{Message: "middleware panicked"}
		}
		if err != nil {
			s.closing.Store(true)
			ns.rooms.LeaveAll(s.id)
			c.sendConnectError(ns.name, err)
			ns.release()
			return
		}
	}
	// The socket is registered before the reply, as Node does: a broadcast
	// issued once the client has seen "connect" must reach it. A broadcast
	// racing with the reply may reach the client just before it; clients
	// buffer such events until "connect" (socket.io-client's receiveBuffer).
	s.connected.Store(true)
	c.add(s)
	ns.sockets.put(s)
	ns.cache.touch(ns.rooms.Rooms(s.id)) // rooms joined by middlewares
	ns.rooms.Join(s.id, s.id)
	c.sendControl(connectReply(ns.name, s.id))
	if h := ns.srv.afterConnectReply; h != nil {
		h(s)
	}
	for _, fn := range ns.connHandlers() {
		if !ns.safe("connection", func() { fn(s) }) {
			_ = s.Disconnect(false)
			return
		}
	}
}

// ParentNamespace is a dynamic namespace (Server.OfFunc, OfRegexp): a
// factory of child namespaces sharing its middlewares and connection
// handlers. Its methods are safe for concurrent use.
type ParentNamespace struct {
	srv   *Server
	match func(string, json.RawMessage) bool

	mws    cowList[Middleware]
	onConn cowList[func(*Socket)]
	onNew  cowList[func(*Namespace)]

	mu       sync.Mutex
	children []*Namespace
}

func (p *ParentNamespace) matches(name string, auth json.RawMessage) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			p.srv.log.Error("bus: namespace match panicked", "namespace", name, "panic", v)
			ok = false
		}
	}()
	return p.match(name, auth)
}

func (p *ParentNamespace) addChild(ns *Namespace) {
	p.mu.Lock()
	p.children = append(p.children, ns)
	p.mu.Unlock()
	for _, fn := range p.onNew.load() {
		ns.safe("new namespace", func() { fn(ns) })
	}
}

// Use adds a middleware run for every child, before the child's own.
func (p *ParentNamespace) Use(mw Middleware) { p.mws.add(mw) }

// OnConnection adds a connection handler for every child.
func (p *ParentNamespace) OnConnection(fn func(*Socket)) { p.onConn.add(fn) }

// OnNamespace adds a handler called when a child namespace is created
// (Node's new_namespace event).
func (p *ParentNamespace) OnNamespace(fn func(*Namespace)) { p.onNew.add(fn) }

func (p *ParentNamespace) removeChild(ns *Namespace) {
	p.mu.Lock()
	p.children = slices.DeleteFunc(p.children, func(c *Namespace) bool { return c == ns })
	p.mu.Unlock()
}

// Children returns the child namespaces created so far (and not removed,
// see Config.CleanupEmptyChildNamespaces).
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Namespace(nil), p.children...)
}

// To returns a Broadcast to rooms of every child namespace.
func (p *ParentNamespace) To(rooms ...string) Broadcast { return Broadcast{parent: p}.To(rooms...) }

// Except returns a Broadcast to every child socket not in rooms.
func (p *ParentNamespace) Except(rooms ...string) Broadcast {
	return Broadcast{parent: p}.Except(rooms...)
}

// Emit sends an event to every socket of every child namespace.
func (p *ParentNamespace) Emit(ev string, args ...any) error {
	return Broadcast{parent: p}.Emit(ev, args...)
}
