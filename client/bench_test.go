package client_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport"
)

// discardServer accepts every namespace and counts, then drops, everything
// else it receives.
type discardServer struct{ n atomic.Int64 }

func (d *discardServer) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (d *discardServer) OnClose(transport.Conn, error)                    {}
func (d *discardServer) OnMessage(c transport.Conn, m *transport.Message) {
	if !m.Binary && len(m.Data) > 0 && m.Data[0] == '0' {
		_ = c.Send(transport.NewMessage([]byte(`0{"sid":"x"}`), false))
		return
	}
	d.n.Add(1)
}

type discardValues struct{ *discardServer }

func (d discardValues) OnValue(transport.Conn, any) { d.n.Add(1) }

func benchSocket(b *testing.B, h transport.Handler) *client.Socket {
	b.Helper()
	m, err := client.New(client.Config{Logger: quietLogger(), Dial: func(_ context.Context, c transport.Handler) (transport.Conn, error) {
		ca, _, err := transport.Pipe(c, h, transport.PipeConfig{MaxMessages: 1 << 22, MaxBytes: 1 << 30})
		return ca, err
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close() })
	s := m.Socket("/", client.SocketConfig{})
	connected := make(chan struct{})
	s.Once("connect", func(*client.Event) { close(connected) })
	s.Connect()
	<-connected
	return s
}

type benchMsg struct {
	Room string `json:"room"`
	Text string `json:"text"`
	N    int    `json:"n"`
}

func BenchmarkEmit(b *testing.B) {
	msg := benchMsg{Room: "lobby", Text: "hello, world", N: 42}
	for _, mode := range []struct {
		name   string
		values bool
	}{{"wire", false}, {"values", true}} {
		b.Run(mode.name, func(b *testing.B) {
			d := &discardServer{}
			var h transport.Handler = d
			if mode.values {
				h = discardValues{d}
			}
			s := benchSocket(b, h)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.Emit("chat", msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEmitWithAck(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			f := newFakeServer(nil)
			f.autoAck.Store(true)
			f.recv = make(chan got, 1) // drained below
			var h transport.Handler = f
			if !mode.wire {
				h = valueServer{f}
			}
			stop := make(chan struct{})
			b.Cleanup(func() { close(stop) })
			go func() {
				for {
					select {
					case <-f.recv:
					case <-stop:
						return
					}
				}
			}()
			s := benchSocket(b, h)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				args, err := s.EmitWithAck(ctx, "echo", 1, "two")
				if err != nil || args.Len() != 2 {
					b.Fatal(err)
				}
			}
		})
	}
}
