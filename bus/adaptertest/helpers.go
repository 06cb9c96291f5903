package adaptertest

import (
	"net"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// StubLocal is a bus.Local of namespace "/" that applies nothing and
// answers with fixed data, for feeding an adapter arbitrary messages
// (fuzzing): BroadcastWithAck reports one client and one acknowledgement,
// FetchSockets one socket, Rooms one room, and ServerSideEmit acknowledges
// with "pong". It is safe for concurrent use.
type StubLocal struct{}

var _ bus.Local = StubLocal{}

// Namespace returns "/".
func (StubLocal) Namespace() string { return "/" }

// Broadcast does nothing.
func (StubLocal) Broadcast(*codec.Packet, bus.BroadcastOptions) {}

// BroadcastWithAck reports one client, then its acknowledgement
// ["ok", <binary 0x01>].
func (StubLocal) BroadcastWithAck(_ *codec.Packet, _ bus.BroadcastOptions, n func(int), ack func(bus.Args)) {
	n(1)
	ack(bus.Args{Values: []any{"ok", []byte{1}}})
}

// SocketsJoin does nothing.
func (StubLocal) SocketsJoin(bus.BroadcastOptions, []string) {}

// SocketsLeave does nothing.
func (StubLocal) SocketsLeave(bus.BroadcastOptions, []string) {}

// DisconnectSockets does nothing.
func (StubLocal) DisconnectSockets(bus.BroadcastOptions, bool) {}

// FetchSockets returns the socket "s1" in its own room.
func (StubLocal) FetchSockets(bus.BroadcastOptions) []bus.SocketInfo {
	return []bus.SocketInfo{{ID: "s1", Rooms: []string{"s1"}}}
}

// ServerSideEmit acknowledges with "pong" when asked to.
func (StubLocal) ServerSideEmit(_ string, _ bus.Args, ack func([]any)) {
	if ack != nil {
		ack([]any{"pong"})
	}
}

// Rooms returns the room "r".
func (StubLocal) Rooms() []string { return []string{"r"} }

// Peer returns the address of a service the tests need (name, such as
// "Redis"): the environment variable env, or def when it is unset. When
// nothing accepts a TCP connection there (at a URL's host, or at the
// address itself) within a second, it calls NoPeer, saying how to start
// the service (help).
func Peer(t testing.TB, name, env, def, help string) string {
	t.Helper()
	addr := os.Getenv(env)
	if addr == "" {
		addr = def
	}
	host := addr
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		host = u.Host
	}
	c, err := net.DialTimeout("tcp", host, time.Second)
	if err != nil {
		NoPeer(t, name+" unreachable at "+addr+" ("+err.Error()+"); start it with: "+help)
	}
	_ = c.Close()
	return addr
}

// NoPeer skips t, which needs a missing service, or fails it when the
// environment has SOCKBUS_REQUIRE_PEERS=1 (CI, where every service runs).
func NoPeer(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("SOCKBUS_REQUIRE_PEERS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// WaitFor polls cond every few milliseconds until it is true, failing t
// after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// BenchmarkBroadcast measures broadcasts of one event from one server
// delivered to a client of another server (msgs/s counts deliveries at the
// remote client). newAdapter returns the factory of each of the two
// servers; their cluster must be of its own.
func BenchmarkBroadcast(b *testing.B, newAdapter func() bus.AdapterFactory) {
	var servers []*bus.Server
	for range 2 {
		s, err := bus.NewServer(bus.Config{NewAdapter: newAdapter()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		servers = append(servers, s)
	}
	connected := make(chan struct{}, 1)
	servers[1].Of("/").OnConnection(func(*bus.Socket) { connected <- struct{}{} })
	c := &counter{done: make(chan struct{}, 1), closed: make(chan error, 1), window: make(chan struct{}, 1024)}
	conn, _, err := transport.Pipe(c, servers[1], transport.PipeConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close(nil) })
	_ = conn.Send(transport.NewMessage([]byte("0"), false))
	<-connected
	ns := servers[0].Of("/")
	WaitFor(b, 10*time.Second, "2 servers", func() bool { n, err := ns.ServerCount(b.Context()); return err == nil && n == 2 })
	payload := map[string]any{"user": "bench", "text": "hello from the other server", "n": 42}
	b.ReportAllocs()
	c.want.Store(int64(b.N))
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		// A bounded window of messages in flight, as a real publisher
		// with flow control would keep: a burst past the receiver's
		// queue bound would (rightly) drop it as a slow consumer.
		select {
		case c.window <- struct{}{}:
		case reason := <-c.closed:
			b.Fatalf("receiver closed after %d of %d: %v", c.n.Load(), b.N, reason)
		}
		if err := ns.Emit("msg", payload); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-c.done:
	case reason := <-c.closed:
		b.Fatalf("receiver closed after %d of %d: %v", c.n.Load(), b.N, reason)
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d delivered", c.n.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// counter is an in-process client counting the events it receives.
type counter struct {
	n      atomic.Int64
	want   atomic.Int64
	done   chan struct{}
	closed chan error    // the close reason, if the server drops the client
	window chan struct{} // one token per event in flight
}

func (c *counter) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (c *counter) OnClose(_ transport.Conn, reason error) {
	select {
	case c.closed <- reason:
	default:
	}
}
func (c *counter) OnMessage(_ transport.Conn, m *transport.Message) {
	if len(m.Data) == 0 || m.Data[0] != '2' {
		return
	}
	select {
	case <-c.window:
	default:
	}
	if c.n.Add(1) == c.want.Load() {
		c.done <- struct{}{}
	}
}
