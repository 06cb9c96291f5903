package bus

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/sockbus/sockbus/codec"
)

// MemoryCluster joins the Servers of one process into a cluster without any
// network: give each Server Config{NewAdapter: cluster.Adapter}. Operations
// reach the other servers synchronously, on the calling goroutine, with the
// packets and arguments shared as Go values. It is safe for concurrent use.
type MemoryCluster struct {
	mu    sync.RWMutex
	nodes map[string][]*memAdapter // by namespace
}

// NewMemoryCluster returns an empty cluster.
func NewMemoryCluster() *MemoryCluster {
	return &MemoryCluster{nodes: make(map[string][]*memAdapter)}
}

// Adapter is an AdapterFactory adding one server's namespace to the cluster.
func (m *MemoryCluster) Adapter(l Local) (Adapter, error) {
	a := &memAdapter{m: m, l: l}
	m.mu.Lock()
	m.nodes[l.Namespace()] = append(m.nodes[l.Namespace()], a)
	m.mu.Unlock()
	return a, nil
}

type memAdapter struct {
	m *MemoryCluster
	l Local
}

// others returns the Locals of the other servers of the namespace.
func (a *memAdapter) others() []Local {
	a.m.mu.RLock()
	defer a.m.mu.RUnlock()
	nodes := a.m.nodes[a.l.Namespace()]
	out := make([]Local, 0, len(nodes))
	for _, n := range nodes {
		if n != a {
			out = append(out, n.l)
		}
	}
	return out
}

func (a *memAdapter) Broadcast(_ context.Context, pkt *codec.Packet, opts BroadcastOptions) error {
	for _, o := range a.others() {
		o.Broadcast(pkt, opts)
	}
	return nil
}

func (a *memAdapter) BroadcastWithAck(_ context.Context, pkt *codec.Packet, opts BroadcastOptions, clientCount func(int), ack func(Args)) error {
	for _, o := range a.others() {
		o.BroadcastWithAck(pkt, opts, clientCount, ack)
	}
	return nil
}

func (a *memAdapter) SocketsJoin(_ context.Context, opts BroadcastOptions, rooms []string) error {
	for _, o := range a.others() {
		o.SocketsJoin(opts, rooms)
	}
	return nil
}

func (a *memAdapter) SocketsLeave(_ context.Context, opts BroadcastOptions, rooms []string) error {
	for _, o := range a.others() {
		o.SocketsLeave(opts, rooms)
	}
	return nil
}

func (a *memAdapter) DisconnectSockets(_ context.Context, opts BroadcastOptions, close bool) error {
	for _, o := range a.others() {
		o.DisconnectSockets(opts, close)
	}
	return nil
}

func (a *memAdapter) FetchSockets(_ context.Context, opts BroadcastOptions) ([]SocketInfo, error) {
	var out []SocketInfo
	for _, o := range a.others() {
		out = append(out, o.FetchSockets(opts)...)
	}
	return out, nil
}

func splitEvent(args []any) (string, Args, error) {
	if len(args) == 0 {
		return "", Args{}, fmt.Errorf("bus: server-side emit without event name")
	}
	ev, ok := args[0].(string)
	if !ok {
		return "", Args{}, fmt.Errorf("bus: server-side emit: event name of type %T", args[0])
	}
	rest, err := codec.SpliceArgs(args[1:])
	return ev, rest, err
}

func (a *memAdapter) ServerSideEmit(_ context.Context, args []any) error {
	ev, rest, err := splitEvent(args)
	if err != nil {
		return err
	}
	for _, o := range a.others() {
		o.ServerSideEmit(ev, rest, nil)
	}
	return nil
}

func (a *memAdapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]Args, error) {
	ev, rest, err := splitEvent(args)
	if err != nil {
		return nil, err
	}
	others := a.others()
	ch := make(chan Args, len(others))
	for _, o := range others {
		var once sync.Once
		o.ServerSideEmit(ev, rest, func(v []any) {
			once.Do(func() { ch <- spliced(slices.Clip(v)) })
		})
	}
	var out []Args
	for range others {
		select {
		case r := <-ch:
			out = append(out, r)
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

func (a *memAdapter) ServerCount(context.Context) (int, error) {
	a.m.mu.RLock()
	defer a.m.mu.RUnlock()
	return len(a.m.nodes[a.l.Namespace()]), nil
}

func (a *memAdapter) AllRooms(context.Context) ([]string, error) {
	var out []string
	for _, o := range a.others() {
		out = append(out, o.Rooms()...)
	}
	return out, nil
}

func (a *memAdapter) Close() error {
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	ns := a.l.Namespace()
	a.m.nodes[ns] = slices.DeleteFunc(a.m.nodes[ns], func(n *memAdapter) bool { return n == a })
	return nil
}
