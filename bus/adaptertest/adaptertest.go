// Package adaptertest checks that a bus.Adapter behaves as a cluster of
// Socket.IO servers should: broadcasts with rooms, except and local,
// acknowledged broadcasts, FetchSockets, SocketsJoin/Leave,
// DisconnectSockets, server-side emits with acks, ServerCount and AllRooms,
// on two and three servers.
//
// Clients are in-process peers over transport.Pipe; remote effects are
// awaited by polling, so asynchronous adapters (Redis, NATS) pass too.
//
// It also holds what the adapters' own tests share: StubLocal (a bus.Local
// for fuzzing an adapter's message handling), Peer and NoPeer (skip a test
// when the broker it needs is not running), WaitFor and BenchmarkBroadcast
// (cross-server broadcast throughput).
package adaptertest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// Timeout bounds every wait of the suite.
var Timeout = 5 * time.Second

// NewCluster returns the adapter factories of n servers forming one fresh
// cluster (for example distinct Redis key prefixes per call). Resources
// should be released with t.Cleanup.
type NewCluster func(t *testing.T, n int) []bus.AdapterFactory

// Run runs the suite on clusters of 2 and 3 servers.
func Run(t *testing.T, newCluster NewCluster) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d servers", n), func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c := start(t, newCluster, n)
					tc.run(t, c)
				})
			}
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, c *cluster)
}{
	{"server count", testServerCount},
	{"broadcast", testBroadcast},
	{"rooms and except", testRooms},
	{"local", testLocal},
	{"socket broadcast excludes sender", testSocketBroadcast},
	{"broadcast with ack", testBroadcastWithAck},
	{"fetch sockets", testFetchSockets},
	{"sockets join and leave", testSocketsJoin},
	{"disconnect sockets", testDisconnectSockets},
	{"received arguments re-sent byte for byte", testSplicedArgs},
	{"server-side emit", testServerSideEmit},
	{"all rooms", testAllRooms},
}

// cluster is n servers with one client each.
type cluster struct {
	servers []*bus.Server
	clients []*client
	sockets []*bus.Socket // sockets[i] is clients[i] on servers[i]
}

func start(t *testing.T, newCluster NewCluster, n int) *cluster {
	t.Helper()
	c := &cluster{}
	for i, f := range newCluster(t, n) {
		s, err := bus.NewServer(bus.Config{NewAdapter: f})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		ch := make(chan *bus.Socket, 1)
		s.Of("/").OnConnection(func(so *bus.Socket) { ch <- so })
		cl := dial(t, s)
		so := receive(t, ch)
		so.SetData(map[string]any{"server": i})
		c.servers = append(c.servers, s)
		c.clients = append(c.clients, cl)
		c.sockets = append(c.sockets, so)
	}
	waitFor(t, "server count", func() bool {
		for _, s := range c.servers {
			if k, err := s.Of("/").ServerCount(context.Background()); err != nil || k != n {
				return false
			}
		}
		return true
	})
	return c
}

// client is an in-process Socket.IO client taking both encoded messages
// and values. It acknowledges every event that asks for it with "ack-"+name.
// It records events as `name args-json` with the arguments decoded and
// re-marshalled, except the "exact" event: `exact json hex-attachments`
// with the JSON as it came.
type client struct {
	conn   transport.Conn
	dec    codec.Decoder
	got    chan string // `name args-json` of each event, or "disconnect"
	closed chan struct{}
}

func dial(t *testing.T, s *bus.Server) *client {
	t.Helper()
	cl := &client{got: make(chan string, 1024), closed: make(chan struct{})}
	conn, _, err := transport.Pipe(cl, s, transport.PipeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cl.conn = conn
	t.Cleanup(func() {
		_ = conn.Close(nil)
		<-cl.closed
	})
	if err := conn.Send(transport.NewMessage([]byte("0"), false)); err != nil {
		t.Fatal(err)
	}
	return cl
}

func (cl *client) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (cl *client) OnClose(transport.Conn, error)                    { close(cl.closed) }

func (cl *client) OnMessage(_ transport.Conn, m *transport.Message) {
	pkt, err := cl.dec.Feed(m.Data, m.Binary)
	if err != nil {
		cl.got <- "error " + err.Error()
		return
	}
	if pkt != nil {
		cl.onPacket(pkt)
	}
}

func (cl *client) OnValue(_ transport.Conn, v any) {
	if pkt, ok := v.(*codec.Packet); ok {
		cl.onPacket(pkt)
	}
}

func (cl *client) onPacket(pkt *codec.Packet) {
	switch pkt.Type {
	case codec.Disconnect:
		cl.got <- "disconnect"
	case codec.Event, codec.BinaryEvent:
		var name string
		var args codec.Args
		if pkt.Values != nil {
			name, _ = pkt.Values[0].(string)
			args = codec.ArgsOf(pkt.Values[1:]...)
		} else {
			n, rest, err := codec.EventName(pkt.Data)
			if err != nil {
				cl.got <- "error " + err.Error()
				return
			}
			name = n
			args = codec.Args{Raw: rest, Attachments: pkt.Attachments}
		}
		cl.got <- name + " " + record(name, args)
		if pkt.HasID {
			ack := &codec.Packet{Type: codec.Ack, Namespace: pkt.Namespace, ID: pkt.ID, HasID: true,
				Data: json.RawMessage(`["ack-` + name + `"]`)}
			_ = cl.conn.Send(transport.NewMessage(codec.AppendPacket(nil, ack), false))
		}
	}
}

// record formats the arguments of event name (see client).
func record(name string, args codec.Args) string {
	if name != "exact" {
		v, _ := args.Any()
		b, _ := json.Marshal(v)
		return string(b)
	}
	data, atts, err := codec.AppendArgs(nil, []any{args})
	if err != nil {
		return "error " + err.Error()
	}
	return fmt.Sprintf("%s %x", data, atts)
}

// next returns the next event the client got.
func (cl *client) next(t *testing.T) string {
	t.Helper()
	return receive(t, cl.got)
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Timeout):
		t.Fatal("timeout")
		var z T
		return z
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	WaitFor(t, Timeout, what, cond)
}

// reached emits a marker to every client from server from (the server that
// sent want: a cluster keeps the order of one server's packets, not across
// servers) and reports, per client, whether want arrived before it.
func (c *cluster) reached(t *testing.T, from int, want string) []bool {
	t.Helper()
	if err := c.servers[from].Of("/").Emit("marker"); err != nil {
		t.Fatal(err)
	}
	out := make([]bool, len(c.clients))
	for i, cl := range c.clients {
		got := cl.next(t)
		if got == want {
			out[i] = true
			got = cl.next(t)
		}
		if got != "marker []" {
			t.Fatalf("client %d got %q", i, got)
		}
	}
	return out
}

func all(n int, v bool) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func testServerCount(t *testing.T, c *cluster) {
	for i, s := range c.servers {
		if k, err := s.Of("/").ServerCount(context.Background()); err != nil || k != len(c.servers) {
			t.Fatalf("server %d: count %d, %v", i, k, err)
		}
	}
}

func testBroadcast(t *testing.T, c *cluster) {
	if err := c.servers[0].Of("/").Emit("hello", "x", 1, map[string]any{"a": true}); err != nil {
		t.Fatal(err)
	}
	for i, cl := range c.clients {
		if got := cl.next(t); got != `hello ["x",1,{"a":true}]` {
			t.Fatalf("client %d got %q", i, got)
		}
	}
	if err := c.servers[1].Of("/").Emit("bin", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	for i, cl := range c.clients {
		if got := cl.next(t); got != `bin ["AQID"]` {
			t.Fatalf("client %d got %q", i, got)
		}
	}
}

func testRooms(t *testing.T, c *cluster) {
	ns := c.servers[0].Of("/")
	for i, so := range c.sockets {
		so.Join(fmt.Sprintf("r%d", i%2), "everyone")
	}
	c.sockets[0].Join("vip")
	want := make([]bool, len(c.clients))
	for i := range want {
		want[i] = i%2 == 1
	}
	if err := ns.To("r1").Emit("x"); err != nil {
		t.Fatal(err)
	}
	if got := c.reached(t, 0, "x []"); !slices.Equal(got, want) {
		t.Fatalf("to r1: %v, want %v", got, want)
	}
	if err := c.servers[1].Of("/").To("everyone").Except("vip").Emit("y"); err != nil {
		t.Fatal(err)
	}
	want = all(len(c.clients), true)
	want[0] = false
	if got := c.reached(t, 1, "y []"); !slices.Equal(got, want) {
		t.Fatalf("except vip: %v, want %v", got, want)
	}
	last := c.sockets[len(c.sockets)-1]
	if err := ns.To(last.ID()).Emit("direct"); err != nil {
		t.Fatal(err)
	}
	want = all(len(c.clients), false)
	want[len(want)-1] = true
	if got := c.reached(t, 0, "direct []"); !slices.Equal(got, want) {
		t.Fatalf("to socket id: %v, want %v", got, want)
	}
}

func testLocal(t *testing.T, c *cluster) {
	if err := c.servers[0].Of("/").Local().Emit("local"); err != nil {
		t.Fatal(err)
	}
	want := all(len(c.clients), false)
	want[0] = true
	if got := c.reached(t, 0, "local []"); !slices.Equal(got, want) {
		t.Fatalf("local: %v, want %v", got, want)
	}
}

func testSocketBroadcast(t *testing.T, c *cluster) {
	if err := c.sockets[1].Broadcast().Emit("others"); err != nil {
		t.Fatal(err)
	}
	want := all(len(c.clients), true)
	want[1] = false
	if got := c.reached(t, 1, "others []"); !slices.Equal(got, want) {
		t.Fatalf("from socket 1: %v, want %v", got, want)
	}
}

func testBroadcastWithAck(t *testing.T, c *cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	acks, err := c.servers[0].Of("/").EmitWithAck(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if len(acks) != len(c.clients) {
		t.Fatalf("%d acks, want %d", len(acks), len(c.clients))
	}
	for _, a := range acks {
		var s string
		if err := a.Decode(0, &s); err != nil || s != "ack-q" {
			t.Fatalf("ack %q %v", s, err)
		}
	}
	for _, cl := range c.clients {
		cl.next(t) // the event itself
	}
}

func testFetchSockets(t *testing.T, c *cluster) {
	c.sockets[len(c.sockets)-1].Join("fetch-me")
	ctx := context.Background()
	waitFor(t, "fetch sockets", func() bool {
		got, err := c.servers[0].Of("/").FetchSockets(ctx)
		return err == nil && len(got) == len(c.sockets)
	})
	got, err := c.servers[0].Of("/").In("fetch-me").FetchSockets(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("fetch-me: %d sockets, %v", len(got), err)
	}
	r := got[0]
	last := c.sockets[len(c.sockets)-1]
	if r.ID != last.ID() || !slices.Contains(r.Rooms, "fetch-me") || !slices.Contains(r.Rooms, last.ID()) {
		t.Fatalf("socket %+v", r.SocketInfo)
	}
	b, err := json.Marshal(r.Data)
	if err != nil || string(b) != fmt.Sprintf(`{"server":%d}`, len(c.sockets)-1) {
		t.Fatalf("data %s %v", b, err)
	}
	if err := r.Emit("via-remote", 1); err != nil {
		t.Fatal(err)
	}
	if got := c.clients[len(c.clients)-1].next(t); got != "via-remote [1]" {
		t.Fatalf("remote emit: %q", got)
	}
}

func testSocketsJoin(t *testing.T, c *cluster) {
	ctx := context.Background()
	ns := c.servers[0].Of("/")
	target := c.sockets[1]
	if err := ns.In(target.ID()).SocketsJoin(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "remote join", func() bool { return slices.Contains(target.Rooms(), "joined") })
	if err := ns.Except("joined").SocketsJoin(ctx, "rest"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "join except", func() bool {
		for i, so := range c.sockets {
			if slices.Contains(so.Rooms(), "rest") != (i != 1) {
				return false
			}
		}
		return true
	})
	if err := ns.In("joined").SocketsLeave(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "remote leave", func() bool { return !slices.Contains(target.Rooms(), "joined") })
}

func testDisconnectSockets(t *testing.T, c *cluster) {
	target := c.sockets[1]
	if err := c.servers[0].Of("/").In(target.ID()).DisconnectSockets(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if got := c.clients[1].next(t); got != "disconnect" {
		t.Fatalf("client 1 got %q", got)
	}
	waitFor(t, "disconnect", func() bool { return !target.Connected() })
	for i, so := range c.sockets {
		if i != 1 && !so.Connected() {
			t.Fatalf("socket %d disconnected", i)
		}
	}
}

// testSplicedArgs re-sends received arguments (an Args in the Raw form, as
// a handler gets them) after binary of its own: every server delivers the
// JSON byte for byte (key order, integers beyond float64), placeholders
// renumbered, binary in order. (Number spellings such as 1.50 are not
// checked: Node's Redis wire carries msgpack values, not JSON text.)
func testSplicedArgs(t *testing.T, c *cluster) {
	received, err := codec.SplitArgs([]byte(`[{"z":1,"a":12345678901234567890},{"k":{"_placeholder":true,"num":0}},-7]`), [][]byte{{0xbb}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.servers[1].Of("/").Emit("exact", []byte{0xaa}, received); err != nil {
		t.Fatal(err)
	}
	const want = `exact [{"_placeholder":true,"num":0},{"z":1,"a":12345678901234567890},{"k":{"_placeholder":true,"num":1}},-7] [aa bb]`
	if got := c.reached(t, 1, want); !slices.Equal(got, all(len(c.clients), true)) {
		t.Fatalf("reached %v", got)
	}
}

func testServerSideEmit(t *testing.T, c *cluster) {
	var mu sync.Mutex
	var got []string
	for i, s := range c.servers {
		s.Of("/").OnServerSideEmit("ping", func(e *bus.Event) {
			var arg string
			_ = e.Args.Decode(0, &arg)
			mu.Lock()
			got = append(got, fmt.Sprintf("%d:%s", i, arg))
			mu.Unlock()
			if e.WantsAck() {
				_ = e.Ack(fmt.Sprintf("pong-%d", i))
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := c.servers[0].Of("/").ServerSideEmit(ctx, "ping", "p1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "server-side emit", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == len(c.servers)-1
	})
	mu.Lock()
	for _, g := range got {
		if strings.HasPrefix(g, "0:") || !strings.HasSuffix(g, ":p1") {
			t.Fatalf("got %v", got)
		}
	}
	mu.Unlock()
	acks, err := c.servers[0].Of("/").ServerSideEmitWithAck(ctx, "ping", "p2")
	if err != nil {
		t.Fatal(err)
	}
	var pongs []string
	for _, a := range acks {
		var s string
		if err := a.Decode(0, &s); err != nil {
			t.Fatal(err)
		}
		pongs = append(pongs, s)
	}
	slices.Sort(pongs)
	var want []string
	for i := 1; i < len(c.servers); i++ {
		want = append(want, fmt.Sprintf("pong-%d", i))
	}
	if !slices.Equal(pongs, want) {
		t.Fatalf("acks %v, want %v", pongs, want)
	}
	if err := c.servers[0].Of("/").ServerSideEmit(ctx, "disconnect"); err == nil {
		t.Fatal("reserved name accepted")
	}
}

func testAllRooms(t *testing.T, c *cluster) {
	for i, so := range c.sockets {
		so.Join(fmt.Sprintf("room-%d", i))
	}
	waitFor(t, "all rooms", func() bool {
		rooms, err := c.servers[0].Of("/").AllRooms(context.Background())
		if err != nil {
			return false
		}
		for i := range c.sockets {
			if !slices.Contains(rooms, fmt.Sprintf("room-%d", i)) {
				return false
			}
		}
		return true
	})
}
