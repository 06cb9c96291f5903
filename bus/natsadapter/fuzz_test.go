package natsadapter

import (
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
	"github.com/sockbus/sockbus/bus/internal/cluster"
)

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
	nc, _ := connect(f)
	ev := &args{JSON: []byte(`["ev",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}
	f.Add(envelopeOf(initialHeartbeat, nil))
	f.Add(envelopeOf(broadcast, &payload{Packet: ev, Opts: &opts{}}))
	f.Add(envelopeOf(broadcast, &payload{Packet: ev, RequestID: "r", Opts: &opts{}}))
	f.Add(envelopeOf(fetchSockets, &payload{RequestID: "r", Opts: &opts{Rooms: []string{"a"}}}))
	f.Add(envelopeOf(serverSideEmit, &payload{RequestID: "r", Packet: ev}))
	f.Add(envelopeOf(fetchSocketsResponse, &payload{RequestID: "r", Sockets: []byte(`[{"id":"x"}]`)}))
	f.Add(envelopeOf(broadcastAck, &payload{RequestID: "r", Packet: ev}))
	a, err := newAdapter(Config{Prefix: "sockbusfuzz" + requestID()}.withDefaults(), nc, adaptertest.StubLocal{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = a.Close() })
	if err := a.reqs.OpenAck("r", time.Hour, cluster.AckHandler{ClientCount: func(int) {}, Ack: func(bus.Args) {}}); err != nil {
		f.Fatal(err)
	}
	for id, kind := range map[string]cluster.Kind{"r": cluster.FetchSockets, "r1": cluster.AllRooms, "r2": cluster.ServerSideEmit} {
		if _, err := a.reqs.Open(id, kind, 1<<30); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		a.onMessage(msg)
	})
}
