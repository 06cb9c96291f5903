package redisadapter

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
	"github.com/sockbus/sockbus/bus/internal/cluster"
	"github.com/sockbus/sockbus/room"
)

// FuzzDispatch feeds arbitrary payloads on every channel of an adapter:
// whatever arrives, it must not panic.
func FuzzDispatch(f *testing.F) {
	emit, _ := hex.DecodeString(capturedEmit)
	f.Add(uint8(0), emit)
	f.Add(uint8(1), emit)
	f.Add(uint8(2), []byte(`{"uid":"x","requestId":"r","type":5,"opts":{"rooms":[],"except":[]}}`))
	f.Add(uint8(2), []byte(`{"uid":"x","requestId":"r","type":6,"data":["ping",1]}`))
	f.Add(uint8(2), []byte(`{"type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["b"]}`))
	f.Add(uint8(3), []byte(`{"type":8,"requestId":"r","clientCount":1}`))
	f.Add(uint8(3), []byte{0x83, 0xa4, 't', 'y', 'p', 'e', 0x09, 0xa9, 'r', 'e', 'q', 'u', 'e', 's', 't', 'I', 'd', 0xa1, 'r', 0xa6, 'p', 'a', 'c', 'k', 'e', 't', 0xc0})
	a := newAdapter(Config{}.withDefaults(), newMemBroker(), adaptertest.StubLocal{})
	f.Cleanup(func() { _ = a.Close() })
	a.OnRoomEvent(roomCreated("r"))
	if err := a.reqs.OpenAck("r", time.Hour, cluster.AckHandler{ClientCount: func(int) {}, Ack: func(bus.Args) {}}); err != nil {
		f.Fatal(err)
	}
	if _, err := a.reqs.Open("r", cluster.FetchSockets, 1<<30); err != nil {
		f.Fatal(err)
	}
	channels := []string{a.channel, a.channel + "r#", a.reqChannel, a.respChannel}
	f.Fuzz(func(t *testing.T, ch uint8, payload []byte) {
		a.dispatch(channels[int(ch)%len(channels)], payload)
	})
}

func roomCreated(r string) room.Event { return room.Event{Kind: room.CreateRoom, Room: r} }
