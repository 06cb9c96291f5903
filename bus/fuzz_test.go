package bus

import (
	"bytes"
	"testing"

	"github.com/sockbus/sockbus/transport"
)

// FuzzServerInput feeds arbitrary messages to a connection (split on 0x1e;
// a leading 'b' marks a binary message) and checks that the server never
// panics and that closing the connection leaves no socket behind.
func FuzzServerInput(f *testing.F) {
	for _, seed := range []string{
		"0", "0/admin,", `0{"token":1}` + "\x1e" + `2["a",1]`, `21["a",{"b":[1,2]}]`,
		"0\x1e" + `51-["x",{"_placeholder":true,"num":0}]` + "\x1eb\x01\x02",
		"0\x1e3[1]\x1e30[1]\x1e1\x1e0", `2["disconnect"]`, "0\x1e2{}", "0/x,\x1e1/x,", "4{}", "9", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := NewServer(Config{})
		if err != nil {
			t.Fatal(err)
		}
		s.Of("/").OnConnection(func(so *Socket) {
			so.OnAny(func(e *Event) {
				_, _ = e.Args.Any()
				_ = e.Ack(e.Args.Len())
			})
		})
		c := &discardConn{id: "fuzz"}
		if err := s.OnOpen(c, transport.Handshake{}); err != nil {
			t.Fatal(err)
		}
		for _, part := range bytes.Split(in, []byte{0x1e}) {
			if c.closed.Load() {
				break
			}
			bin := len(part) > 0 && part[0] == 'b'
			if bin {
				part = part[1:]
			}
			s.OnMessage(c, transport.NewMessage(part, bin))
		}
		s.OnClose(c, transport.ErrTransportClose)
		if len(s.Of("/").Sockets()) != 0 {
			t.Fatal("socket left after close")
		}
		_ = s.Close()
	})
}
