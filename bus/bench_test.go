package bus

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sockbus/sockbus/transport"
)

func benchServer(b testing.TB, n int, value bool) *Server {
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
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10_000, "ns/recipient")
		})
	}
}

// benchPayload is a 100-byte JSON object, as the load harness sends.
const benchPayload = `{"t":"1732222333444555666:12345:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","n":42}`

// BenchmarkEchoAck feeds encoded `42N["echo",{...}]` messages through
// Server.OnMessage on a discard Conn: decode, event dispatch, a handler
// acknowledging with its raw argument (as bench/sockbus-server does), the
// ack encode and Send.
func BenchmarkEchoAck(b *testing.B) {
	for _, tt := range []struct {
		name string
		ack  func(e *Event) error
	}{
		{"raw", func(e *Event) error { return e.Ack(e.Args.Raw[0]) }},
		{"args", func(e *Event) error { return e.Ack(e.Args) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			s := newServer(b, Config{})
			s.Of("/").OnConnection(func(so *Socket) {
				so.On("echo", func(e *Event) {
					if err := tt.ack(e); err != nil {
						b.Error(err)
					}
				})
			})
			c := &discardConn{id: "c"}
			attach(b, s, c)
			msgs := make([]*transport.Message, 1024)
			for i := range msgs {
				msgs[i] = transport.NewMessage(fmt.Appendf(nil, `2%d["echo",%s]`, i, benchPayload), false)
			}
			n0 := c.n.Load()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// The server owns a delivered message: give it a fresh one.
				m := msgs[i%len(msgs)]
				s.OnMessage(c, transport.NewMessage(m.Data, false))
				i++
			}
			if got := c.n.Load() - n0; got != int64(i) {
				b.Fatalf("%d acks sent for %d events", got, i)
			}
		})
	}
}

// BenchmarkRoomBroadcast emits to one room of 100 sockets among 10k spread
// over 100 rooms (the harness's room scenario), from the namespace and from
// a socket (sender excluded).
func BenchmarkRoomBroadcast(b *testing.B) {
	for _, value := range []bool{false, true} {
		name := "encoded"
		if value {
			name = "value"
		}
		s := benchServer(b, 10_000, value)
		ns := s.Of("/")
		for i, so := range ns.Sockets() {
			so.Join(fmt.Sprintf("r%d", i%100))
		}
		sender := ns.Sockets()[0]
		room := sender.Rooms()[1]
		if room == sender.ID() {
			room = sender.Rooms()[0]
		}
		for _, from := range []string{"namespace", "socket"} {
			b.Run(name+"-"+from, func(b *testing.B) {
				bc := ns.To(room)
				if from == "socket" {
					bc = sender.To(room)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := bc.Emit("msg", json.RawMessage(benchPayload)); err != nil {
						b.Fatal(err)
					}
				}
				n := 0
				ns.targets(bc.Options(), func(*Socket) bool { n++; return true })
				if n < 99 {
					b.Fatalf("%d recipients", n)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/recipient")
			})
		}
	}
}
