package bus

import (
	"fmt"
	"strings"
	"testing"
)

// TestBroadcastAfterConnectReachesSocket: a broadcast issued as soon as the
// client has seen its CONNECT reply must reach it (Node registers the
// socket before replying). An event racing with the reply may arrive first.
func TestBroadcastAfterConnectReachesSocket(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	ns := s.Of("/")
	// Deterministic: a broadcast issued the moment the reply is sent.
	s.afterConnectReply = func(so *Socket) {
		if err := ns.Emit("hello", so.ID()); err != nil {
			t.Error(err)
		}
	}
	p := dial(t, s, false)
	id := p.connect(t, "/")
	p.expect(t, `2["hello","`+id+`"]`)

	// And as a client sees it, many times.
	s2 := newServer(t, Config{})
	ns = s2.Of("/")
	for i := range 300 {
		p := dial(t, s2, false)
		p.send(t, "0")
		want := fmt.Sprintf(`2["tick",%d]`, i)
		sawReply, sawTick := false, false
		for !sawReply || !sawTick {
			got := p.next(t)
			switch {
			case strings.HasPrefix(got, `0{"sid":`):
				sawReply = true
				if err := ns.Emit("tick", i); err != nil {
					t.Fatal(err)
				}
			case got == want:
				sawTick = true
			}
		}
		_ = p.conn.Close(nil) // the cleanup of dial waits for the close
	}
}
