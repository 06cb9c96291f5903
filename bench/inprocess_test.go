package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// These are the in-process benchmarks of issue 4 through the public API
// (bus/bench_test.go has the same measurements with the package's internal
// helpers).

// discard is a transport.Conn that drops what it is sent; with values set it
// is also a transport.ValueConn (the in-process value path).
type discard struct {
	id     string
	sent   atomic.Int64
	closed atomic.Bool
}

func (c *discard) ID() string { return c.id }

func (c *discard) Send(msgs ...*transport.Message) error {
	if c.closed.Load() {
		return transport.ErrClosed
	}
	c.sent.Add(int64(len(msgs)))
	return nil
}

func (c *discard) Close(error) error { c.closed.Store(true); return nil }

type discardValues struct{ *discard }

func (c discardValues) SendValue(any) error { c.sent.Add(1); return nil }

var connectMsg = transport.NewMessage([]byte("0"), false)

// attach opens n discarding connections on srv and connects each to "/".
func attach(b *testing.B, srv *bus.Server, n int, values bool) {
	b.Helper()
	for i := range n {
		var c transport.Conn = &discard{id: fmt.Sprint(i)}
		if values {
			c = discardValues{c.(*discard)}
		}
		if err := srv.OnOpen(c, transport.Handshake{}); err != nil {
			b.Fatal(err)
		}
		srv.OnMessage(c, connectMsg)
	}
	if got := len(srv.Of("/").Sockets()); got != n {
		b.Fatalf("%d sockets connected, want %d", got, n)
	}
}

func newBus(b *testing.B) *bus.Server {
	b.Helper()
	srv, err := bus.NewServer(bus.Config{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	return srv
}

var paths = []struct {
	name   string
	values bool
}{{"encoded", false}, {"value", true}}

// BenchmarkEmitOne emits from a server Socket to its one connection
// (encoded for a network peer, or as a value for an in-process one).
func BenchmarkEmitOne(b *testing.B) {
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			srv := newBus(b)
			attach(b, srv, 1, p.values)
			so := srv.Of("/").Sockets()[0]
			b.ReportAllocs()
			for b.Loop() {
				if err := so.Emit("news", 42, "hello"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEmitListener emits from a server Socket to a client listener
// over transport.Pipe (values, no JSON), in batches of 256 so the pipe's
// queue never overflows; ns/op is per delivered event.
func BenchmarkEmitListener(b *testing.B) {
	srv := newBus(b)
	m, err := client.New(client.Config{Dial: func(_ context.Context, h transport.Handler) (transport.Conn, error) {
		c, _, err := transport.Pipe(h, srv, transport.PipeConfig{})
		return c, err
	}, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close() })
	cs := m.Socket("/", client.SocketConfig{})
	var got atomic.Int64
	arrived := make(chan struct{}, 1)
	var want atomic.Int64
	cs.On("news", func(*client.Event) {
		if got.Add(1) == want.Load() {
			arrived <- struct{}{}
		}
	})
	connected := make(chan struct{})
	cs.Once("connect", func(*client.Event) { close(connected) })
	cs.Connect()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		b.Fatal("connect timed out")
	}
	so := srv.Of("/").Socket(cs.ID())
	const batch = 256
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%batch == 0 && i > 0 {
			<-arrived
		}
		if (i+1)%batch == 0 {
			want.Store(int64(i + 1))
		}
		if err := so.Emit("news", 42, "hello"); err != nil {
			b.Fatal(err)
		}
	}
	// Wait for the tail.
	want.Store(int64(b.N))
	if got.Load() < int64(b.N) {
		<-arrived
	}
}

// BenchmarkBroadcast10k emits once to 10,000 in-process sockets (encode
// once, shared bytes; nothing allocated per recipient).
func BenchmarkBroadcast10k(b *testing.B) {
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			srv := newBus(b)
			attach(b, srv, 10_000, p.values)
			ns := srv.Of("/")
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

// chatMessage is a typical event payload.
type chatMessage struct {
	User string `json:"user"`
	Text string `json:"text"`
	Data []byte `json:"data,omitempty"`
}

// BenchmarkCodec encodes an event packet (arguments then the Socket.IO
// packet) and parses it back (packet, then the argument into a struct), with
// and without a binary attachment.
func BenchmarkCodec(b *testing.B) {
	for _, bc := range []struct {
		name string
		msg  chatMessage
	}{
		{"text", chatMessage{User: "ann", Text: "hello there"}},
		{"binary", chatMessage{User: "ann", Text: "hello there", Data: make([]byte, 1024)}},
	} {
		args := []any{"message", bc.msg}
		b.Run(bc.name+"/encode", func(b *testing.B) {
			var data, out []byte
			b.ReportAllocs()
			for b.Loop() {
				var atts [][]byte
				var err error
				data, atts, err = codec.AppendArgs(data[:0], args)
				if err != nil {
					b.Fatal(err)
				}
				out = codec.AppendPacket(out[:0], eventPacket(data, atts))
			}
		})
		data, atts, err := codec.AppendArgs(nil, args)
		if err != nil {
			b.Fatal(err)
		}
		wire := codec.AppendPacket(nil, eventPacket(data, atts))
		b.Run(bc.name+"/decode", func(b *testing.B) {
			var got chatMessage
			b.ReportAllocs()
			for b.Loop() {
				p, err := codec.ParsePacket(wire, codec.Limits{})
				if err != nil {
					b.Fatal(err)
				}
				a, err := codec.SplitArgs(p.Data, atts)
				if err != nil {
					b.Fatal(err)
				}
				if err := a.Decode(1, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// eventPacket is the EVENT (BINARY_EVENT with attachments) of encoded
// arguments.
func eventPacket(data []byte, atts [][]byte) *codec.Packet {
	p := &codec.Packet{Type: codec.Event, Namespace: "/", Data: json.RawMessage(data), Attachments: atts}
	if len(atts) > 0 {
		p.Type = codec.BinaryEvent
	}
	return p
}
