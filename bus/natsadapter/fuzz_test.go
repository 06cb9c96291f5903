package natsadapter

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/codec"
)

// stubLocal is a bus.Local answering with fixed data.
type stubLocal struct{}

func (stubLocal) Namespace() string                             { return "/" }
func (stubLocal) Broadcast(*codec.Packet, bus.BroadcastOptions) {}
func (stubLocal) BroadcastWithAck(_ *codec.Packet, _ bus.BroadcastOptions, n func(int), ack func(bus.Args)) {
	n(1)
	ack(bus.Args{Values: []any{"ok", []byte{1}}})
}
func (stubLocal) SocketsJoin(bus.BroadcastOptions, []string)   {}
func (stubLocal) SocketsLeave(bus.BroadcastOptions, []string)  {}
func (stubLocal) DisconnectSockets(bus.BroadcastOptions, bool) {}
func (stubLocal) FetchSockets(bus.BroadcastOptions) []bus.SocketInfo {
	return []bus.SocketInfo{{ID: "s1", Rooms: []string{"s1"}}}
}
func (stubLocal) ServerSideEmit(_ string, _ bus.Args, ack func([]any)) {
	if ack != nil {
		ack([]any{"pong"})
	}
}
func (stubLocal) Rooms() []string { return []string{"r"} }

func envelopeOf(typ int, d *payload) []byte {
	env := envelope{Type: typ, UID: "0123456789abcdef", Nsp: "/"}
	if d != nil {
		env.Data, _ = msgpack.Marshal(d)
	}
	b, _ := msgpack.Marshal(&env)
	return b
}

// FuzzMessage feeds arbitrary messages to an adapter: it must not panic.
func FuzzMessage(f *testing.F) {
	u := natsURL(f)
	nc, err := nats.Connect(u)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(nc.Close)
	ev := &args{JSON: []byte(`["ev",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}
	f.Add(envelopeOf(initialHeartbeat, nil))
	f.Add(envelopeOf(broadcast, &payload{Packet: ev, Opts: &opts{}}))
	f.Add(envelopeOf(broadcast, &payload{Packet: ev, RequestID: "r", Opts: &opts{}}))
	f.Add(envelopeOf(fetchSockets, &payload{RequestID: "r", Opts: &opts{Rooms: []string{"a"}}}))
	f.Add(envelopeOf(serverSideEmit, &payload{RequestID: "r", Packet: ev}))
	f.Add(envelopeOf(fetchSocketsResponse, &payload{RequestID: "r", Sockets: []byte(`[{"id":"x"}]`)}))
	f.Add(envelopeOf(broadcastAck, &payload{RequestID: "r", Packet: ev}))
	a, err := newAdapter(Config{Prefix: "sockbusfuzz" + requestID()}.withDefaults(), nc, stubLocal{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = a.Close() })
	a.acks["r"] = &ackRequest{clientCount: func(int) {}, ack: func(bus.Args) {}}
	a.pending["r"] = &pending{want: 1 << 30, done: make(chan struct{})}
	f.Fuzz(func(t *testing.T, msg []byte) {
		a.onMessage(msg)
	})
}
