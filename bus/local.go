package bus

import (
	"context"
	"time"

	"github.com/sockbus/sockbus/codec"
)

// local is the Local a namespace hands its adapter.
type local struct{ ns *Namespace }

var _ Local = local{}

func (l local) Namespace() string { return l.ns.name }

func (l local) Broadcast(pkt *codec.Packet, opts BroadcastOptions) {
	if err := l.ns.broadcast(pkt, opts); err != nil {
		l.ns.srv.log.Error("bus: remote broadcast", "namespace", l.ns.name, "err", err)
	}
}

// remoteAckTimeout bounds acks of remote broadcasts without a timeout.
const remoteAckTimeout = 5 * time.Second

func (l local) BroadcastWithAck(pkt *codec.Packet, opts BroadcastOptions, clientCount func(int), ack func(Args)) {
	cleanup := l.ns.broadcastWithAck(pkt, opts, clientCount, ack)
	d := opts.Flags.Timeout
	if d <= 0 {
		d = remoteAckTimeout
	}
	time.AfterFunc(d, cleanup)
}

func (l local) SocketsJoin(opts BroadcastOptions, rooms []string)  { l.ns.join(opts, rooms) }
func (l local) SocketsLeave(opts BroadcastOptions, rooms []string) { l.ns.leave(opts, rooms) }
func (l local) DisconnectSockets(opts BroadcastOptions, close bool) {
	l.ns.disconnect(opts, close)
}
func (l local) FetchSockets(opts BroadcastOptions) []SocketInfo { return l.ns.fetch(opts) }
func (l local) Rooms() []string                                 { return l.ns.Rooms() }

func (l local) ServerSideEmit(event string, args Args, ack func([]any)) {
	e := &Event{Name: event, Args: args}
	if ack != nil {
		e.ack = func(a []any) error { ack(a); return nil }
	}
	if _, err := l.ns.sse.Emit(event, e); err != nil {
		l.ns.srv.log.Error("bus: server-side handler", "namespace", l.ns.name, "event", event, "err", err)
	}
}

// singleAdapter is the default Adapter: one server, nothing remote.
type singleAdapter struct{}

func newSingleAdapter(Local) (Adapter, error) { return singleAdapter{}, nil }

func (singleAdapter) Broadcast(context.Context, *codec.Packet, BroadcastOptions) error { return nil }
func (singleAdapter) BroadcastWithAck(context.Context, *codec.Packet, BroadcastOptions, func(int), func(Args)) error {
	return nil
}
func (singleAdapter) SocketsJoin(context.Context, BroadcastOptions, []string) error  { return nil }
func (singleAdapter) SocketsLeave(context.Context, BroadcastOptions, []string) error { return nil }
func (singleAdapter) DisconnectSockets(context.Context, BroadcastOptions, bool) error {
	return nil
}
func (singleAdapter) FetchSockets(context.Context, BroadcastOptions) ([]SocketInfo, error) {
	return nil, nil
}
func (singleAdapter) ServerSideEmit(context.Context, []any) error { return nil }
func (singleAdapter) ServerSideEmitWithAck(context.Context, []any) ([]Args, error) {
	return nil, nil
}
func (singleAdapter) ServerCount(context.Context) (int, error)   { return 1, nil }
func (singleAdapter) AllRooms(context.Context) ([]string, error) { return nil, nil }
func (singleAdapter) Close() error                               { return nil }
