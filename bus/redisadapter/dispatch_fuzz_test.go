package redisadapter

import (
	"encoding/hex"
	"testing"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/room"
)

// stubLocal is a bus.Local recording nothing, answering with fixed data.
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
	a := newAdapter(Config{}.withDefaults(), newMemBroker(), stubLocal{})
	f.Cleanup(func() { _ = a.Close() })
	a.OnRoomEvent(roomCreated("r"))
	a.acks["r"] = &ackRequest{clientCount: func(int) {}, ack: func(bus.Args) {}}
	a.pending["r"] = &pending{kind: reqFetch, want: 1 << 30, done: make(chan struct{})}
	channels := []string{a.channel, a.channel + "r#", a.reqChannel, a.respChannel}
	f.Fuzz(func(t *testing.T, ch uint8, payload []byte) {
		a.dispatch(channels[int(ch)%len(channels)], payload)
	})
}

func roomCreated(r string) room.Event { return room.Event{Kind: room.CreateRoom, Room: r} }
