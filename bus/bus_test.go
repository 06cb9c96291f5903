package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/room"
	"github.com/sockbus/sockbus/transport"
)

func TestConnectAndEmit(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	s.Of("/").OnConnection(func(so *Socket) { _ = so.Emit("hello", "world", 1) })
	p := dial(t, s, false)
	p.connect(t, "/")
	p.expect(t, `2["hello","world",1]`)
}

func TestNamespaces(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	s.Of("custom").OnConnection(func(so *Socket) { _ = so.Emit("ns", so.Namespace().Name()) })
	p := dial(t, s, false)
	p.connect(t, "/custom")
	p.expect(t, `2/custom,["ns","/custom"]`)
	p.send(t, "0/random")
	p.expect(t, `4/random,{"message":"Invalid namespace"}`)
	p.send(t, "0/random,")
	p.expect(t, `4/random,{"message":"Invalid namespace"}`)
}

func TestDynamicNamespace(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	parent := s.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	var created []string
	parent.OnNamespace(func(ns *Namespace) { created = append(created, ns.Name()) })
	parent.Use(func(so *Socket) error {
		if string(so.Handshake().Auth) == `{"token":"bad"}` {
			return &ConnectError{Message: "bad token"}
		}
		return nil
	})
	conns := make(chan *Socket, 4)
	parent.OnConnection(func(so *Socket) { conns <- so })

	p := dial(t, s, false)
	p.connect(t, "/dyn-1")
	so := recv(t, conns)
	if so.Namespace().Name() != "/dyn-1" {
		t.Fatalf("namespace %q", so.Namespace().Name())
	}
	p.send(t, `0/dyn-2,{"token":"bad"}`)
	p.expect(t, `4/dyn-2,{"message":"bad token"}`)
	p.send(t, "0/other,")
	p.expect(t, `4/other,{"message":"Invalid namespace"}`)

	if err := parent.Emit("all", 1); err != nil {
		t.Fatal(err)
	}
	p.expect(t, `2/dyn-1,["all",1]`)
	if got := len(parent.Children()); got != 2 {
		t.Fatalf("children %d, want 2 (dyn-1 and the refused dyn-2)", got)
	}
	if !slices.Equal(created, []string{"/dyn-1", "/dyn-2"}) {
		t.Fatalf("created %v", created)
	}
}

func TestMiddlewareRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"connect error with data", &ConnectError{Message: "nope", Data: map[string]int{"code": 7}}, `4{"message":"nope","data":{"code":7}}`},
		{"connect error", &ConnectError{Message: "nope"}, `4{"message":"nope"}`},
		{"plain error", errors.New("denied"), `4{"message":"denied"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, Config{})
			called := make(chan bool, 1)
			s.Of("/").Use(func(*Socket) error { return tt.err })
			s.Of("/").OnConnection(func(*Socket) { called <- true })
			p := dial(t, s, false)
			p.send(t, "0")
			p.expect(t, tt.want)
			if len(called) != 0 || len(s.Of("/").Sockets()) != 0 {
				t.Fatal("refused socket connected")
			}
		})
	}
}

func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{ConnectTimeout: 20 * time.Millisecond})
	p := dial(t, s, false)
	if err := p.waitClosed(t); !errors.Is(err, transport.ErrTransportClose) {
		t.Fatalf("closed with %v", err)
	}
}

func TestConnectTimeoutStoppedByConnect(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{ConnectTimeout: 30 * time.Millisecond})
	p := dial(t, s, false)
	p.connect(t, "/")
	time.Sleep(60 * time.Millisecond) // the timer would have fired by now
	select {
	case err := <-p.closed:
		t.Fatalf("closed: %v", err)
	default:
	}
}

// joinAll connects n peers and puts each in rooms[i].
func joinAll(t *testing.T, s *Server, rooms [][]string) ([]*peer, []*Socket) {
	t.Helper()
	ch := connected(s.Of("/"))
	var peers []*peer
	var socks []*Socket
	for _, r := range rooms {
		p := dial(t, s, false)
		p.connect(t, "/")
		so := recv(t, ch)
		so.Join(r...)
		peers = append(peers, p)
		socks = append(socks, so)
	}
	return peers, socks
}

// received reports, for each peer, whether its next message is want (as
// opposed to the marker emitted to everybody afterwards).
func received(t *testing.T, s *Server, peers []*peer, want string) []bool {
	t.Helper()
	if err := s.Of("/").Emit("marker"); err != nil {
		t.Fatal(err)
	}
	out := make([]bool, len(peers))
	for i, p := range peers {
		got := p.next(t)
		if got == want {
			out[i] = true
			p.expect(t, `2["marker"]`)
		} else if got != `2["marker"]` {
			t.Fatalf("peer %d got %q", i, got)
		}
	}
	return out
}

func TestRooms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		emit func(ns *Namespace, socks []*Socket) error
		want []bool
	}{
		{"to one room", func(ns *Namespace, _ []*Socket) error { return ns.To("a").Emit("x") }, []bool{true, true, false, false}},
		{"union", func(ns *Namespace, _ []*Socket) error { return ns.To("a").In("b").Emit("x") }, []bool{true, true, true, false}},
		{"union except", func(ns *Namespace, _ []*Socket) error { return ns.To("a", "b").Except("c").Emit("x") }, []bool{true, false, true, false}},
		{"except only", func(ns *Namespace, _ []*Socket) error { return ns.Except("a").Emit("x") }, []bool{false, false, true, true}},
		{"socket id room", func(ns *Namespace, socks []*Socket) error { return ns.To(socks[3].ID()).Emit("x") }, []bool{false, false, false, true}},
		{"from socket excludes sender", func(_ *Namespace, socks []*Socket) error { return socks[0].To("a").Emit("x") }, []bool{false, true, false, false}},
		{"socket broadcast", func(_ *Namespace, socks []*Socket) error { return socks[0].Broadcast().Emit("x") }, []bool{false, true, true, true}},
		{"socket except", func(_ *Namespace, socks []*Socket) error { return socks[0].Except("c").Emit("x") }, []bool{false, false, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, Config{})
			peers, socks := joinAll(t, s, [][]string{{"a"}, {"a", "c"}, {"b"}, {"d"}})
			if err := tt.emit(s.Of("/"), socks); err != nil {
				t.Fatal(err)
			}
			if got := received(t, s, peers, `2["x"]`); !slices.Equal(got, tt.want) {
				t.Fatalf("received %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSocketRooms(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	_, socks := joinAll(t, s, [][]string{{"a", "b"}})
	so := socks[0]
	got := so.Rooms()
	slices.Sort(got)
	want := []string{so.ID(), "a", "b"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("rooms %v, want %v", got, want)
	}
	so.Leave("a")
	if slices.Contains(so.Rooms(), "a") {
		t.Fatal("still in a")
	}
}

func TestServerAck(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	ch := connected(s.Of("/"))
	p := dial(t, s, false)
	p.connect(t, "/")
	so := recv(t, ch)

	type result struct {
		args Args
		err  error
	}
	res := make(chan result, 1)
	go func() {
		a, err := so.EmitWithAck(context.Background(), "q", 1)
		res <- result{a, err}
	}()
	p.expect(t, `20["q",1]`)
	p.send(t, `30["a",{"b":2}]`)
	r := recv(t, res)
	if r.err != nil {
		t.Fatal(r.err)
	}
	var b struct{ B int }
	if s, err := Arg[string](&Event{Args: r.args}, 0); err != nil || s != "a" || r.args.Decode(1, &b) != nil || b.B != 2 {
		t.Fatalf("ack args %v %v %v", s, err, b)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := so.EmitWithAck(ctx, "q2")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `"q2"`) {
		t.Fatalf("err %v", err)
	}
	p.expect(t, `21["q2"]`)
	p.send(t, `31[]`) // late: ignored
}

func TestClientAck(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	errs := make(chan error, 4)
	s.Of("/").OnConnection(func(so *Socket) {
		so.On("ping", func(e *Event) {
			n, err := Arg[int](e, 0)
			errs <- err
			errs <- e.Ack("pong", n+1)
			errs <- e.Ack("again")
		})
		so.On("noack", func(e *Event) { errs <- e.Ack() })
	})
	p := dial(t, s, false)
	p.connect(t, "/")
	p.send(t, `27["ping",41]`)
	p.expect(t, `37["pong",42]`)
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs); !errors.Is(err, ErrAcked) {
		t.Fatalf("second ack: %v", err)
	}
	p.send(t, `2["noack"]`)
	if err := recv(t, errs); !errors.Is(err, ErrNoAck) {
		t.Fatalf("ack without id: %v", err)
	}
}

func TestBinary(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	got := make(chan []byte, 2)
	s.Of("/").OnConnection(func(so *Socket) {
		so.On("up", func(e *Event) {
			var v struct {
				F    []byte
				List [][]byte
			}
			if err := e.Args.Decode(0, &v); err != nil {
				t.Error(err)
				return
			}
			got <- v.F
			got <- v.List[0]
			_ = e.Ack([]byte{9})
		})
		_ = so.Emit("bin", map[string]any{"a": []byte{1, 2}, "b": []any{"x", []byte{3}}})
	})
	p := dial(t, s, false)
	p.connect(t, "/")
	p.expect(t, `52-["bin",{"a":{"_placeholder":true,"num":0},"b":["x",{"_placeholder":true,"num":1}]}]`)
	p.expect(t, "<bin:0102>")
	p.expect(t, "<bin:03>")

	p.send(t, `52-3["up",{"F":{"_placeholder":true,"num":0},"List":[{"_placeholder":true,"num":1}]}]`)
	p.sendBin(t, []byte{7, 7})
	p.sendBin(t, []byte{8})
	if b := recv(t, got); string(b) != "\x07\x07" {
		t.Fatalf("F %v", b)
	}
	if b := recv(t, got); string(b) != "\x08" {
		t.Fatalf("List[0] %v", b)
	}
	p.expect(t, `61-3[{"_placeholder":true,"num":0}]`)
	p.expect(t, "<bin:09>")
}

func TestReserved(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	ch := connected(s.Of("/"))
	p := dial(t, s, false)
	p.connect(t, "/")
	so := recv(t, ch)
	reasons := make(chan DisconnectReason, 1)
	so.On("disconnect", func(e *Event) { reasons <- e.Reason })
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := so.Emit(name); !errors.Is(err, ErrReserved) {
			t.Errorf("emit %q: %v", name, err)
		}
		if err := s.Of("/").Emit(name); !errors.Is(err, ErrReserved) {
			t.Errorf("broadcast %q: %v", name, err)
		}
	}
	p.send(t, `2["disconnect"]`)
	if err := p.waitClosed(t); !errors.Is(err, transport.ErrTransportClose) {
		t.Fatalf("closed with %v", err)
	}
	if r := recv(t, reasons); r != ReasonParseError {
		t.Fatalf("reason %q", r)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"abc", `2{}`, `2abc["x"]`, "9", `2["disconnecting"]`} {
		t.Run(bad, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, Config{})
			p := dial(t, s, false)
			p.connect(t, "/")
			p.send(t, bad)
			p.waitClosed(t)
		})
	}
}

func TestDisconnectReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		do     func(t *testing.T, p *peer, so *Socket)
		reason DisconnectReason
		wire   string // what the peer receives, "" for nothing
		closed bool   // the connection is closed
	}{
		{"client namespace disconnect", func(t *testing.T, p *peer, _ *Socket) { p.send(t, "1") }, ReasonClientNamespaceDisconnect, "", false},
		{"server namespace disconnect", func(t *testing.T, _ *peer, so *Socket) { _ = so.Disconnect(false) }, ReasonServerNamespaceDisconnect, "1", false},
		{"disconnect with close", func(t *testing.T, _ *peer, so *Socket) { _ = so.Disconnect(true) }, ReasonServerNamespaceDisconnect, "1", true},
		{"transport close", func(t *testing.T, p *peer, _ *Socket) { _ = p.conn.Close(nil) }, ReasonTransportClose, "", true},
		{"disconnect sockets", func(t *testing.T, _ *peer, so *Socket) {
			_ = so.Namespace().In(so.ID()).DisconnectSockets(context.Background(), false)
		}, ReasonServerNamespaceDisconnect, "1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, Config{})
			ch := connected(s.Of("/"))
			p := dial(t, s, false)
			p.connect(t, "/")
			so := recv(t, ch)
			events := make(chan string, 2)
			so.On("disconnecting", func(e *Event) {
				events <- fmt.Sprintf("disconnecting %s %v %v", e.Reason, slices.Contains(so.Rooms(), "r"), so.Connected())
			})
			so.On("disconnect", func(e *Event) {
				var r string
				_ = e.Args.Decode(0, &r)
				events <- fmt.Sprintf("disconnect %s %v %v", r, len(so.Rooms()), so.Connected())
			})
			so.Join("r")
			tt.do(t, p, so)
			if got, want := recv(t, events), fmt.Sprintf("disconnecting %s true true", tt.reason); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
			if got, want := recv(t, events), fmt.Sprintf("disconnect %s 0 false", tt.reason); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
			if so.Context().Err() == nil {
				t.Fatal("context not done")
			}
			if tt.wire != "" {
				p.expect(t, tt.wire)
			}
			if tt.closed {
				p.waitClosed(t)
				return
			}
			p.connect(t, "/") // the transport is still open
			if err := so.Emit("x"); !errors.Is(err, ErrNotConnected) {
				t.Fatalf("emit after disconnect: %v", err)
			}
		})
	}
}

func TestPanickingHandler(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	reasons := make(chan DisconnectReason, 1)
	s.Of("/").OnConnection(func(so *Socket) {
		so.On("boom", func(*Event) { panic("boom") })
		so.On("disconnect", func(e *Event) { reasons <- e.Reason })
	})
	p := dial(t, s, false)
	p.connect(t, "/")
	p.send(t, `2["boom"]`)
	p.expect(t, "1")
	if r := recv(t, reasons); r != ReasonServerNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
}

func TestPacketMiddleware(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	errs := make(chan error, 1)
	events := make(chan string, 2)
	s.Of("/").OnConnection(func(so *Socket) {
		so.Use(func(e *Event) error {
			if e.Name == "forbidden" {
				return errTest
			}
			return nil
		})
		so.On("error", func(e *Event) { errs <- e.Err })
		so.OnAny(func(e *Event) { events <- e.Name })
	})
	p := dial(t, s, false)
	p.connect(t, "/")
	p.send(t, `2["forbidden"]`)
	p.send(t, `2["fine"]`)
	if err := recv(t, errs); !errors.Is(err, errTest) {
		t.Fatalf("error event %v", err)
	}
	if ev := recv(t, events); ev != "fine" {
		t.Fatalf("event %q went through", ev)
	}
}

func TestTypedHandlers(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	type res struct {
		n   int
		err error
	}
	got := make(chan res, 2)
	s.Of("/").OnConnection(func(so *Socket) {
		On1(so, "n", func(_ *Event, n int, err error) { got <- res{n, err} })
	})
	p := dial(t, s, false)
	p.connect(t, "/")
	p.send(t, `2["n","str"]`)
	if r := recv(t, got); r.err == nil {
		t.Fatal("string decoded into int")
	}
	p.send(t, `2["n"]`)
	if r := recv(t, got); !errors.Is(r.err, codec.ErrNoArg) {
		t.Fatalf("missing arg: %v", r.err)
	}
	p.send(t, `2["n",5]`)
	if r := recv(t, got); r.err != nil || r.n != 5 {
		t.Fatalf("got %+v", r)
	}
}

func TestEncodeOnce(t *testing.T) {
	s := newServer(t, Config{})
	conns := make([]*discardConn, 1000)
	for i := range conns {
		conns[i] = &discardConn{id: fmt.Sprint(i)}
		attach(t, s, conns[i])
	}
	before := encodes.Load()
	if err := s.Of("/").Emit("news", map[string]any{"a": 1}, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if n := encodes.Load() - before; n != 1 {
		t.Fatalf("%d encodings", n)
	}
	for i, c := range conns {
		if n := c.n.Load(); n != 1+2 { // CONNECT reply, packet, attachment
			t.Fatalf("conn %d got %d messages", i, n)
		}
	}
}

func TestValuePath(t *testing.T) {
	s := newServer(t, Config{})
	got := make(chan *Event, 1)
	s.Of("/").OnConnection(func(so *Socket) {
		so.On("in", func(e *Event) { got <- e; _ = e.Ack("ok", []byte{4}) })
		_ = so.Emit("v", []byte{1}, 2)
	})
	p := dial(t, s, true)
	p.connect(t, "/")
	before := encodes.Load()
	v := recv(t, p.values)
	pkt, ok := v.(*codec.Packet)
	if !ok || pkt.Type != codec.Event || len(pkt.Values) != 3 || pkt.Values[0] != "v" {
		t.Fatalf("value %#v", v)
	}
	if b, _ := pkt.Values[1].([]byte); string(b) != "\x01" {
		t.Fatalf("bytes %v", pkt.Values[1])
	}
	if err := p.conn.(transport.ValueConn).SendValue(&codec.Packet{
		Type: codec.Event, Namespace: "/", ID: 3, HasID: true, Values: []any{"in", 5},
	}); err != nil {
		t.Fatal(err)
	}
	e := recv(t, got)
	if n, err := Arg[int](e, 0); err != nil || n != 5 {
		t.Fatalf("arg %v %v", n, err)
	}
	ack := recv(t, p.values).(*codec.Packet)
	if ack.Type != codec.Ack || ack.ID != 3 || ack.Values[0] != "ok" {
		t.Fatalf("ack %#v", ack)
	}
	if n := encodes.Load() - before; n != 0 {
		t.Fatalf("%d encodings on the value path", n)
	}
}

func TestValueReservedIsParseError(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	p := dial(t, s, true)
	p.connect(t, "/")
	_ = p.conn.(transport.ValueConn).SendValue(&codec.Packet{Type: codec.Event, Namespace: "/", Values: []any{"disconnect"}})
	p.waitClosed(t)
}

func TestVolatile(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	busy := writableConn{&discardConn{id: "busy"}}
	free := writableConn{&discardConn{id: "free"}}
	free.writable.Store(true)
	attach(t, s, busy)
	attach(t, s, free)
	if err := s.Of("/").Volatile().Emit("tick"); err != nil {
		t.Fatal(err)
	}
	if busy.n.Load() != 1 || free.n.Load() != 2 {
		t.Fatalf("busy %d free %d", busy.n.Load(), free.n.Load())
	}
}

func TestBroadcastWithAck(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	peers, _ := joinAll(t, s, [][]string{{"a"}, {"a"}, {"b"}})
	res := make(chan []Args, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		a, err := s.Of("/").To("a").EmitWithAck(ctx, "q")
		if err != nil {
			t.Error(err)
		}
		res <- a
	}()
	for i, p := range peers[:2] {
		p.expect(t, `20["q"]`)
		p.send(t, fmt.Sprintf(`30[%d]`, i))
	}
	if got := recv(t, res); len(got) != 2 {
		t.Fatalf("acks %v", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	got, err := s.Of("/").EmitWithAck(ctx, "q")
	if !errors.Is(err, context.DeadlineExceeded) || len(got) != 0 {
		t.Fatalf("got %v %v", got, err)
	}
}

func TestFetchAndSocketsJoin(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	_, socks := joinAll(t, s, [][]string{{"a"}, {"b"}})
	socks[0].SetData(map[string]int{"n": 1})
	ctx := context.Background()
	ns := s.Of("/")
	if err := ns.In("a").SocketsJoin(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	got, err := ns.In("c").FetchSockets(ctx)
	if err != nil || len(got) != 1 || got[0].ID != socks[0].ID() || !slices.Contains(got[0].Rooms, "a") {
		t.Fatalf("fetch %+v %v", got, err)
	}
	b, err := json.Marshal(got[0].SocketInfo)
	if err != nil || !strings.Contains(string(b), `"data":{"n":1}`) || !strings.Contains(string(b), `"auth":{}`) {
		t.Fatalf("json %s %v", b, err)
	}
	if err := ns.In("c").SocketsLeave(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if all, _ := ns.FetchSockets(ctx); len(all) != 2 {
		t.Fatalf("all %d", len(all))
	}
	if got, _ := ns.In("c").FetchSockets(ctx); len(got) != 0 {
		t.Fatalf("c after leave %d", len(got))
	}
}

func TestRoomEvents(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	events := make(chan string, 16)
	s.Of("/").OnRoomEvent(func(e room.Event) {
		if e.Room == "r" {
			events <- e.Kind.String()
		}
	})
	_, socks := joinAll(t, s, [][]string{{"r"}})
	socks[0].Leave("r")
	var got []string
	for range 4 {
		got = append(got, recv(t, events))
	}
	want := []string{room.CreateRoom.String(), room.JoinRoom.String(), room.LeaveRoom.String(), room.DeleteRoom.String()}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	ch := connected(s.Of("/"))
	var peers []*peer
	reasons := make(chan DisconnectReason, 2)
	for range 2 {
		p := dial(t, s, false)
		p.connect(t, "/")
		recv(t, ch).On("disconnect", func(e *Event) { reasons <- e.Reason })
		peers = append(peers, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r := recv(t, reasons); r != ReasonServerShutdown {
			t.Fatalf("reason %q", r)
		}
	}
	for _, p := range peers {
		p.waitClosed(t)
	}
	if _, _, err := transport.Pipe(newPeer(), s, transport.PipeConfig{}); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("open after shutdown: %v", err)
	}
}

func TestShutdownHonoursContext(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	c := &discardConn{id: "stuck"} // never reports OnClose
	attach(t, s, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown %v", err)
	}
	if !c.closed.Load() {
		t.Fatal("conn not closed")
	}
}

func TestHandshakeJSON(t *testing.T) {
	t.Parallel()
	h := Handshake{
		Headers: map[string][]string{"host": {"x"}, "cookie": {"a", "b"}},
		Query:   map[string][]string{"EIO": {"4"}},
		Auth:    json.RawMessage(`{"token":"t"}`),
		Address: "1.2.3.4", Time: time.UnixMilli(1700000000123).UTC(), URL: "/socket.io/?EIO=4", Secure: true,
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"host":"x"`, `"cookie":["a","b"]`, `"issued":1700000000123`, `"auth":{"token":"t"}`, `"time":"Tue Nov 14 2023 22:13:20 GMT+0000"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back Handshake
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Time.Equal(h.Time) || back.Headers["cookie"][1] != "b" || back.Query["EIO"][0] != "4" || string(back.Auth) != `{"token":"t"}` {
		t.Fatalf("round trip %+v", back)
	}
}

func TestReasonOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want DisconnectReason
	}{
		{transport.ErrTransportClose, ReasonTransportClose},
		{fmt.Errorf("x: %w", transport.ErrPingTimeout), ReasonPingTimeout},
		{transport.ErrParse, ReasonParseError},
		{transport.ErrServerShutdown, ReasonServerShutdown},
		{transport.ErrForcedClose, ReasonForcedClose},
		{transport.ErrTransportError, ReasonTransportError},
		{transport.ErrSlowConsumer, ReasonTransportError},
	}
	for _, tt := range tests {
		if got := ReasonOf(tt.err); got != tt.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestJoinInMiddleware(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	ns := s.Of("/")
	ns.Use(func(so *Socket) error {
		so.Join("early")
		if string(so.Handshake().Auth) == `{"refuse":true}` {
			return errTest
		}
		return nil
	})
	ch := connected(ns)
	p := dial(t, s, false)
	p.send(t, `0{"refuse":true}`)
	p.expect(t, `4{"message":"test error"}`)
	if n := len(ns.Rooms()); n != 0 {
		t.Fatalf("refused socket left rooms %v", ns.Rooms())
	}
	p.connect(t, "/")
	so := recv(t, ch)
	if !slices.Contains(so.Rooms(), "early") {
		t.Fatalf("rooms %v", so.Rooms())
	}
}

func TestListeners(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	got := make(chan string, 32)
	ch := connected(s.Of("/"))
	p := dial(t, s, false)
	p.connect(t, "/")
	so := recv(t, ch)
	so.Once("once", func(e *Event) { got <- "once" })
	so.OnAny(func(e *Event) { got <- "any " + e.Name })
	so.PrependAny(func(e *Event) { got <- "first " + e.Name })
	offOut := so.OnAnyOutgoing(func(e *Event) {
		v, _ := Arg[int](e, 0)
		got <- fmt.Sprintf("out %s %d", e.Name, v)
	})
	On2(so, "pair", func(e *Event, a string, b int, err error) {
		got <- fmt.Sprintf("pair %s %d %v %v", a, b, err, e.WantsAck())
	})

	p.send(t, `2["once"]`)
	p.send(t, `2["once"]`)
	p.send(t, `25["pair","a",2]`)
	want := []string{"first once", "any once", "once", "first once", "any once", "first pair", "any pair", "pair a 2 <nil> true"}
	for _, w := range want {
		if g := recv(t, got); g != w {
			t.Fatalf("got %q, want %q", g, w)
		}
	}
	_ = so.Emit("tick", 7)
	if g := recv(t, got); g != "out tick 7" {
		t.Fatalf("got %q", g)
	}
	p.expect(t, `2["tick",7]`)
	offOut()
	so.OffAny()
	_ = so.Emit("tick", 8)
	p.expect(t, `2["tick",8]`)
	p.send(t, `2["once"]`)
	p.send(t, `2["pair","b",3]`)
	if g := recv(t, got); g != "pair b 3 <nil> false" {
		t.Fatalf("got %q after OffAny", g)
	}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	ch := connected(s.Of("/"))
	p := newPeer()
	hs := transport.Handshake{Header: map[string][]string{"Origin": {"x"}}, Query: map[string][]string{"a": {"1"}},
		Address: "10.0.0.1:5", URL: "/socket.io/?a=1", XDomain: true, Transport: "websocket"}
	ca, _, err := transport.Pipe(p, s, transport.PipeConfig{Handshake: hs})
	if err != nil {
		t.Fatal(err)
	}
	p.conn = ca
	t.Cleanup(func() { _ = ca.Close(nil); <-p.closed })
	p.send(t, `0{"token":"t"}`)
	p.next(t)
	so := recv(t, ch)
	h := so.Handshake()
	if string(h.Auth) != `{"token":"t"}` || h.Address != "10.0.0.1:5" || h.URL != hs.URL || !h.XDomain || h.Secure ||
		h.Query["a"][0] != "1" || h.Time.IsZero() || so.Conn() != s.conn(so.Conn()).tc {
		t.Fatalf("handshake %+v", h)
	}
	if so.Data() != nil {
		t.Fatal("data not nil")
	}
	so.SetData("x")
	if so.Data() != "x" || !so.Connected() || s.Of("/").Socket(so.ID()) != so {
		t.Fatal("socket state")
	}
}

func TestDisconnectCloseAllNamespaces(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	main, admin := connected(s.Of("/")), connected(s.Of("/admin"))
	p := dial(t, s, false)
	p.connect(t, "/")
	p.connect(t, "/admin")
	so, ad := recv(t, main), recv(t, admin)
	reasons := make(chan DisconnectReason, 1)
	ad.On("disconnect", func(e *Event) { reasons <- e.Reason })
	if err := so.Disconnect(true); err != nil {
		t.Fatal(err)
	}
	got := []string{p.next(t), p.next(t)}
	slices.Sort(got)
	if !slices.Equal(got, []string{"1", "1/admin,"}) {
		t.Fatalf("got %q", got)
	}
	if r := recv(t, reasons); r != ReasonServerNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
	p.waitClosed(t)
	if err := so.Disconnect(false); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("second disconnect: %v", err)
	}
}

func TestSingleServerClusterOps(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	ns := s.Of("/")
	ctx := context.Background()
	if n, err := ns.ServerCount(ctx); err != nil || n != 1 {
		t.Fatalf("count %d %v", n, err)
	}
	if acks, err := ns.ServerSideEmitWithAck(ctx, "x"); err != nil || len(acks) != 0 {
		t.Fatalf("acks %v %v", acks, err)
	}
	if err := ns.ServerSideEmit(ctx, "connect"); !errors.Is(err, ErrReserved) {
		t.Fatalf("reserved: %v", err)
	}
	_, socks := joinAll(t, s, [][]string{{"r"}})
	rooms, err := ns.AllRooms(ctx)
	if err != nil || !slices.Equal(rooms, func() []string { r := []string{"r", socks[0].ID()}; slices.Sort(r); return r }()) {
		t.Fatalf("rooms %v %v", rooms, err)
	}
	if err := ns.Local().Compress(false).To("r").Emit("x"); err != nil {
		t.Fatal(err)
	}
}
