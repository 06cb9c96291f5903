package redisadapter

import (
	"context"
	"testing"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
	"github.com/sockbus/sockbus/codec"
)

// TestCloseFlushes checks that broadcasts queued just before Close are
// published, in order, with the requests that follow them.
func TestCloseFlushes(t *testing.T) {
	b := newMemBroker()
	sub, _ := b.subscribe(context.Background(), "socket.io#/#*", "socket.io-request#/#")
	defer sub.close()
	a := newAdapter(Config{}.withDefaults(), b, adaptertest.StubLocal{})
	ctx := context.Background()
	const n = 100
	for i := range n {
		pkt := &codec.Packet{Type: codec.Event, Namespace: "/", Values: []any{"ev", i}}
		if err := a.Broadcast(ctx, pkt, bus.BroadcastOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.SocketsLeave(ctx, bus.BroadcastOptions{}, []string{"r"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Broadcast(ctx, &codec.Packet{Type: codec.Event, Namespace: "/", Values: []any{"last"}}, bus.BroadcastOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range n + 2 {
		ch, _, err := sub.receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := "socket.io#/#"
		if i == n {
			want = "socket.io-request#/#"
		}
		if ch != want {
			t.Fatalf("message %d on %s, want %s", i, ch, want)
		}
	}
}
