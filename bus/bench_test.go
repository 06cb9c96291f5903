package bus

import (
	"fmt"
	"testing"

	"github.com/sockbus/sockbus/transport"
)

func benchServer(b *testing.B, n int, value bool) *Server {
	b.Helper()
	s := newServer(b, Config{})
	for i := range n {
		var c transport.Conn = &discardConn{id: fmt.Sprint(i)}
		if value {
			c = &valueConn{discardConn: c.(*discardConn)}
		}
		attach(b, s, c)
	}
	return s
}

func BenchmarkSocketEmit(b *testing.B) {
	for _, value := range []bool{true, false} {
		name := "encoded"
		if value {
			name = "value"
		}
		b.Run(name, func(b *testing.B) {
			so := benchServer(b, 1, value).Of("/").Sockets()[0]
			b.ReportAllocs()
			for b.Loop() {
				if err := so.Emit("news", 42, "hello"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBroadcast(b *testing.B) {
	for _, value := range []bool{true, false} {
		name := "encoded-10k"
		if value {
			name = "value-10k"
		}
		b.Run(name, func(b *testing.B) {
			ns := benchServer(b, 10_000, value).Of("/")
			b.ReportAllocs()
			for b.Loop() {
				if err := ns.Emit("news", 42, "hello"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
