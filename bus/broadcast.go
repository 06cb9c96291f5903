package bus

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/sockbus/sockbus/codec"
)

// Broadcast selects sockets of a namespace (or of every child of a dynamic
// namespace) for an operation: sockets in at least one of the To rooms
// (every socket when none is given), in none of the Except rooms, cluster
// wide unless Local. Built from a Socket, it excludes that socket.
//
// Broadcast is a value: each method returns a modified copy, so a
// Broadcast can be kept and reused. It is safe for concurrent use.
type Broadcast struct {
	ns     *Namespace
	parent *ParentNamespace
	rooms  []string
	except []string
	flags  BroadcastFlags
}

// To returns b also targeting rooms (a union).
func (b Broadcast) To(rooms ...string) Broadcast {
	b.rooms = slices.Concat(b.rooms, rooms)
	return b
}

// In is To.
func (b Broadcast) In(rooms ...string) Broadcast { return b.To(rooms...) }

// Except returns b excluding the sockets in rooms.
func (b Broadcast) Except(rooms ...string) Broadcast {
	b.except = slices.Concat(b.except, rooms)
	return b
}

// Local returns b limited to this server.
func (b Broadcast) Local() Broadcast {
	b.flags.Local = true
	return b
}

// Volatile returns b skipping recipients whose connection cannot take the
// packet right now (a transport reporting Writable() == false) instead of
// queueing it.
func (b Broadcast) Volatile() Broadcast {
	b.flags.Volatile = true
	return b
}

// Compress returns b with the compression flag set. The flag is forwarded
// to adapters as BroadcastFlags.Compress (Node's adapters carry it between
// servers); it does not change how this server writes the packet: per-message
// compression follows the transport's configuration (for example
// permessage-deflate with ws.Config.Compression and its threshold, or
// HTTP compression of polling responses).
func (b Broadcast) Compress(on bool) Broadcast {
	b.flags.Compress = &on
	return b
}

// Options returns the adapter options b stands for.
func (b Broadcast) Options() BroadcastOptions {
	return BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// each runs fn for the namespace, or for every child of a parent.
func (b Broadcast) each(fn func(Broadcast) error) error {
	if b.parent == nil {
		return fn(b)
	}
	var errs []error
	for _, ns := range b.parent.Children() {
		c := b
		c.parent, c.ns = nil, ns
		errs = append(errs, fn(c))
	}
	return errors.Join(errs...)
}

// Emit sends an event to the selected sockets. It encodes the packet at
// most once, whatever the number of recipients, and never blocks on a
// recipient. Arguments are as for Socket.Emit (an Args among them is
// spliced in). Errors are ErrReserved, an argument that does not marshal,
// or the adapter's.
func (b Broadcast) Emit(ev string, args ...any) error {
	if err := checkName(ev); err != nil {
		return opErr("broadcast", ev, err)
	}
	return b.each(func(b Broadcast) error {
		pkt := &codec.Packet{Type: codec.Event, Namespace: b.ns.name, Values: prepend(ev, args)}
		opts := b.Options()
		if err := b.ns.broadcast(pkt, opts); err != nil {
			return opErr("broadcast", ev, err)
		}
		if !opts.Flags.Local {
			if err := b.ns.adapter.Broadcast(context.Background(), pkt, opts); err != nil {
				return opErr("broadcast", ev, err)
			}
		}
		return nil
	})
}

// EmitWithAck sends an event to the selected sockets asking each for an
// acknowledgement, and waits until every recipient (cluster-wide) answered
// or ctx is done. It returns the acknowledgements that arrived, in arrival
// order, and on ctx expiry the wrapped ctx error with them. Arguments are
// as for Socket.Emit.
func (b Broadcast) EmitWithAck(ctx context.Context, ev string, args ...any) ([]Args, error) {
	if err := checkName(ev); err != nil {
		return nil, opErr("broadcast with ack", ev, err)
	}
	var all []Args
	err := b.each(func(b Broadcast) error {
		res, err := b.emitWithAck(ctx, ev, args)
		all = append(all, res...)
		return err
	})
	return all, err
}

func (b Broadcast) emitWithAck(ctx context.Context, ev string, args []any) ([]Args, error) {
	pkt := &codec.Packet{Type: codec.Event, Namespace: b.ns.name, Values: prepend(ev, args)}
	opts := b.Options()
	if dl, ok := ctx.Deadline(); ok {
		opts.Flags.Timeout = time.Until(dl)
	}
	col := newCollector()
	cleanup := b.ns.broadcastWithAck(pkt, opts, col.count, col.add)
	defer cleanup()
	servers := 1
	if !opts.Flags.Local {
		if err := b.ns.adapter.BroadcastWithAck(ctx, pkt, opts, col.count, col.add); err != nil {
			return nil, opErr("broadcast with ack", ev, err)
		}
		n, err := b.ns.adapter.ServerCount(ctx)
		if err != nil {
			return nil, opErr("broadcast with ack", ev, err)
		}
		servers = n
	}
	col.expect(servers)
	select {
	case <-col.done:
		return col.results(), nil
	case <-ctx.Done():
		return col.results(), opErr("broadcast with ack", ev, ctx.Err())
	}
}

// collector gathers acknowledgements of a broadcast: complete when every
// server reported its client count and that many acks arrived.
type collector struct {
	mu      sync.Mutex
	servers int // reported
	want    int // expected servers, -1 until known
	clients int
	acks    []Args
	done    chan struct{}
	closed  bool
}

func newCollector() *collector { return &collector{want: -1, done: make(chan struct{})} }

func (c *collector) count(n int) {
	c.mu.Lock()
	c.servers++
	c.clients += n
	c.check()
	c.mu.Unlock()
}

func (c *collector) add(a Args) {
	c.mu.Lock()
	c.acks = append(c.acks, a)
	c.check()
	c.mu.Unlock()
}

func (c *collector) expect(servers int) {
	c.mu.Lock()
	c.want = servers
	c.check()
	c.mu.Unlock()
}

func (c *collector) check() {
	if !c.closed && c.want >= 0 && c.servers >= c.want && len(c.acks) >= c.clients {
		c.closed = true
		close(c.done)
	}
}

func (c *collector) results() []Args {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.acks)
}

// FetchSockets describes the selected sockets, cluster-wide unless Local.
func (b Broadcast) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	var out []*RemoteSocket
	err := b.each(func(b Broadcast) error {
		opts := b.Options()
		infos := b.ns.fetch(opts)
		if !opts.Flags.Local {
			remote, err := b.ns.adapter.FetchSockets(ctx, opts)
			if err != nil {
				return opErr("fetch sockets", b.ns.name, err)
			}
			infos = append(infos, remote...)
		}
		for _, in := range infos {
			out = append(out, &RemoteSocket{SocketInfo: in, ns: b.ns})
		}
		return nil
	})
	return out, err
}

// SocketsJoin makes the selected sockets join rooms, cluster-wide unless
// Local.
func (b Broadcast) SocketsJoin(ctx context.Context, rooms ...string) error {
	return b.apply(ctx, "sockets join",
		func(ns *Namespace, o BroadcastOptions) { ns.join(o, rooms) },
		func(ctx context.Context, a Adapter, o BroadcastOptions) error { return a.SocketsJoin(ctx, o, rooms) })
}

// SocketsLeave makes the selected sockets leave rooms, cluster-wide unless
// Local.
func (b Broadcast) SocketsLeave(ctx context.Context, rooms ...string) error {
	return b.apply(ctx, "sockets leave",
		func(ns *Namespace, o BroadcastOptions) { ns.leave(o, rooms) },
		func(ctx context.Context, a Adapter, o BroadcastOptions) error { return a.SocketsLeave(ctx, o, rooms) })
}

// DisconnectSockets disconnects the selected sockets (see
// Socket.Disconnect), cluster-wide unless Local.
func (b Broadcast) DisconnectSockets(ctx context.Context, close bool) error {
	return b.apply(ctx, "disconnect sockets",
		func(ns *Namespace, o BroadcastOptions) { ns.disconnect(o, close) },
		func(ctx context.Context, a Adapter, o BroadcastOptions) error {
			return a.DisconnectSockets(ctx, o, close)
		})
}

// apply runs an operation on the local sockets, then (unless Local) through
// the adapter, for the namespace or every child of a parent.
func (b Broadcast) apply(ctx context.Context, op string, local func(*Namespace, BroadcastOptions),
	remote func(context.Context, Adapter, BroadcastOptions) error) error {
	return b.each(func(b Broadcast) error {
		opts := b.Options()
		local(b.ns, opts)
		if opts.Flags.Local {
			return nil
		}
		if err := remote(ctx, b.ns.adapter, opts); err != nil {
			return opErr(op, b.ns.name, err)
		}
		return nil
	})
}

// RemoteSocket is a socket found by FetchSockets, on this server or
// another one. Its methods act through the cluster (the socket's id room).
type RemoteSocket struct {
	SocketInfo
	ns *Namespace
}

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(ev string, args ...any) error { return r.ns.To(r.ID).Emit(ev, args...) }

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(ctx context.Context, rooms ...string) error {
	return r.ns.In(r.ID).SocketsJoin(ctx, rooms...)
}

// Leave makes the socket leave rooms.
func (r *RemoteSocket) Leave(ctx context.Context, rooms ...string) error {
	return r.ns.In(r.ID).SocketsLeave(ctx, rooms...)
}

// Disconnect disconnects the socket.
func (r *RemoteSocket) Disconnect(ctx context.Context, close bool) error {
	return r.ns.In(r.ID).DisconnectSockets(ctx, close)
}

// broadcast delivers pkt to the selected local sockets, encoding it at most
// once. It returns an encoding error (no socket got the packet then).
func (ns *Namespace) broadcast(pkt *codec.Packet, opts BroadcastOptions) error {
	var enc encoding
	ns.targets(opts, func(s *Socket) bool {
		s.notifyOut(pkt)
		_ = s.c.send(pkt, &enc) // a failing connection closes itself
		return enc.err == nil
	})
	enc.release()
	return enc.err
}

// broadcastWithAck delivers pkt with a fresh ack id per selected local
// socket, reports their number and returns a func dropping the pending acks.
func (ns *Namespace) broadcastWithAck(pkt *codec.Packet, opts BroadcastOptions, clientCount func(int), ack func(Args)) (cleanup func()) {
	type pending struct {
		s  *Socket
		id uint64
	}
	var ps []pending
	ns.targets(opts, func(s *Socket) bool {
		p := *pkt
		p.ID, p.HasID = s.addAck(ack), true
		if err := s.deliver(&p); err != nil {
			s.dropAck(p.ID)
			return true
		}
		ps = append(ps, pending{s, p.ID})
		return true
	})
	clientCount(len(ps))
	return func() {
		for _, p := range ps {
			p.s.dropAck(p.id)
		}
	}
}

func (ns *Namespace) fetch(opts BroadcastOptions) []SocketInfo {
	var out []SocketInfo
	ns.targets(opts, func(s *Socket) bool {
		out = append(out, SocketInfo{ID: s.id, Handshake: s.hs, Rooms: s.Rooms(), Data: s.Data()})
		return true
	})
	return out
}

func (ns *Namespace) join(opts BroadcastOptions, rooms []string) {
	ns.targets(opts, func(s *Socket) bool { s.Join(rooms...); return true })
}

func (ns *Namespace) leave(opts BroadcastOptions, rooms []string) {
	ns.targets(opts, func(s *Socket) bool { s.Leave(rooms...); return true })
}

func (ns *Namespace) disconnect(opts BroadcastOptions, close bool) {
	var list []*Socket
	ns.targets(opts, func(s *Socket) bool { list = append(list, s); return true })
	for _, s := range list {
		_ = s.Disconnect(close)
	}
}

// AllRooms returns the rooms of every server of the cluster.
func (ns *Namespace) AllRooms(ctx context.Context) ([]string, error) {
	remote, err := ns.adapter.AllRooms(ctx)
	if err != nil {
		return nil, opErr("all rooms", ns.name, err)
	}
	all := append(ns.Rooms(), remote...)
	slices.Sort(all)
	return slices.Compact(all), nil
}

// ServerCount returns the number of servers in the cluster.
func (ns *Namespace) ServerCount(ctx context.Context) (int, error) {
	n, err := ns.adapter.ServerCount(ctx)
	if err != nil {
		return 0, opErr("server count", ns.name, err)
	}
	return n, nil
}
