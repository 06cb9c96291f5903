package redisadapter_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/redisadapter"
	"github.com/sockbus/sockbus/transport"
)

// counter is an in-process client counting the events it receives.
type counter struct {
	n    atomic.Int64
	want atomic.Int64
	done chan struct{}
}

func (c *counter) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (c *counter) OnClose(transport.Conn, error)                    {}
func (c *counter) OnMessage(_ transport.Conn, m *transport.Message) {
	if len(m.Data) > 0 && m.Data[0] == '2' && c.n.Add(1) == c.want.Load() {
		c.done <- struct{}{}
	}
}

// BenchmarkCrossServerBroadcast measures broadcasts from one server
// delivered to a client of another server through Redis (msgs/s counts
// deliveries at the remote client).
func BenchmarkCrossServerBroadcast(b *testing.B) {
	addr := redisAddr(b)
	prefix := fmt.Sprintf("sockbus-bench-%d", time.Now().UnixNano())
	var servers []*bus.Server
	for range 2 {
		s, err := bus.NewServer(bus.Config{NewAdapter: redisadapter.New(redisadapter.Config{Addr: addr, Prefix: prefix})})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		servers = append(servers, s)
	}
	connected := make(chan struct{}, 1)
	servers[1].Of("/").OnConnection(func(*bus.Socket) { connected <- struct{}{} })
	c := &counter{done: make(chan struct{}, 1)}
	conn, _, err := transport.Pipe(c, servers[1], transport.PipeConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close(nil) })
	_ = conn.Send(transport.NewMessage([]byte("0"), false))
	<-connected
	ns := servers[0].Of("/")
	waitFor(b, "2 servers", func() bool { n, err := ns.ServerCount(b.Context()); return err == nil && n == 2 })
	payload := map[string]any{"user": "bench", "text": "hello from the other server", "n": 42}
	b.ReportAllocs()
	c.want.Store(int64(b.N))
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		if err := ns.Emit("msg", payload); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d delivered", c.n.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
