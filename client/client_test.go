package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	dial := func(context.Context, transport.Handler) (transport.Conn, error) { return nil, nil }
	tests := []struct {
		name string
		cfg  client.Config
	}{
		{"no dial", client.Config{}},
		{"negative attempts", client.Config{Dial: dial, ReconnectionAttempts: -1}},
		{"negative buffer", client.Config{Dial: dial, SendBufferSize: -1}},
		{"jitter above one", client.Config{Dial: dial, RandomizationFactor: 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := client.New(tt.cfg); !errors.Is(err, client.ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}

func TestConnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	calls := 0
	s := m.Socket("/", client.SocketConfig{AuthFunc: func(context.Context) (any, error) {
		calls++
		return map[string]any{"token": fmt.Sprint("t", calls)}, nil
	}})
	ev := record()
	s.On("connect", ev.h)
	s.Connect()
	c := next(t, f.connects)
	if got, want := string(c.pkt.Data), `{"token":"t1"}`; got != want {
		t.Fatalf("auth = %s, want %s", got, want)
	}
	ev.want(t, "connect")
	if !s.Connected() || !s.Active() || s.ID() != "sid-1" || s.Recovered() {
		t.Fatalf("connected=%v active=%v id=%q", s.Connected(), s.Active(), s.ID())
	}
	if m.Socket("/", client.SocketConfig{}) != s {
		t.Fatal("Socket returned a new socket for the same namespace")
	}
	// AuthFunc runs again on the next connect.
	_ = f.last().Close(transport.ErrForcedClose)
	c = next(t, f.connects)
	if got, want := string(c.pkt.Data), `{"token":"t2"}`; got != want {
		t.Fatalf("auth = %s, want %s", got, want)
	}
}

func TestAutoConnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, func(c *client.Config) { c.AutoConnect = true })
	s := m.Socket("/", client.SocketConfig{})
	next(t, f.connects)
	waitFor(t, "connect", s.Connected)
}

func TestConnectCalledLater(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{Auth: map[string]int{"n": 1}})
	none(t, f.connects)
	if f.dials.Load() != 0 || s.Active() {
		t.Fatal("socket connected without Connect")
	}
	ev := record()
	s.On("connect", ev.h)
	s.Connect()
	if got := string(next(t, f.connects).pkt.Data); got != `{"n":1}` {
		t.Fatalf("auth = %s", got)
	}
	ev.want(t, "connect")
}

func TestConnectError(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.refuse = map[string]*client.ConnectError{"/admin": {Message: "not authorized", Data: json.RawMessage(`{"code":403}`)}}
	m := newManager(t, f.dial, nil)
	ev := record()
	s := m.Socket("/admin", client.SocketConfig{})
	s.On("connect_error", ev.h)
	s.On("connect", ev.h)
	s.Connect()
	e := ev.want(t, "connect_error")
	var ce *client.ConnectError
	if !errors.As(e.Err, &ce) || ce.Message != "not authorized" || string(ce.Data) != `{"code":403}` {
		t.Fatalf("err = %#v", e.Err)
	}
	if s.Connected() || s.Active() {
		t.Fatal("refused socket still active")
	}
	none(t, ev.ch)
	next(t, f.connects)
	none(t, f.connects)
	if n := f.dials.Load(); n != 1 {
		t.Fatalf("dials = %d, want 1", n)
	}
}

func TestConnectErrorAuthFunc(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	ev := record()
	boom := errors.New("no token")
	s := m.Socket("/", client.SocketConfig{AuthFunc: func(context.Context) (any, error) { return nil, boom }})
	s.On("connect_error", ev.h)
	s.Connect()
	if e := ev.want(t, "connect_error"); !errors.Is(e.Err, boom) {
		t.Fatalf("err = %v", e.Err)
	}
	if s.Active() {
		t.Fatal("socket still active")
	}
}

func TestEventsBothWays(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	s.On("connect", ev.h)
	s.Connect()
	ev.want(t, "connect")

	if err := s.Emit("hello", "world", 1, map[string]bool{"x": true}); err != nil {
		t.Fatal(err)
	}
	g := next(t, f.recv)
	if name, args := eventOf(t, g.pkt); name != "hello" || args != `["world",1,{"x":true}]` || g.pkt.HasID {
		t.Fatalf("got %s %s hasID=%v", name, args, g.pkt.HasID)
	}

	var order []string
	anyOff := s.OnAny(func(e *client.Event) { order = append(order, "any:"+e.Name) })
	s.Once("news", func(e *client.Event) { order = append(order, "once") })
	client.On2(s, "news", func(e *client.Event, a string, b int, err error) {
		order = append(order, fmt.Sprintf("on2:%s:%d:%v", a, b, err))
		ev.h(e)
	})
	f.emit(g.conn, "/", nil, "news", "a", 7)
	f.emit(g.conn, "/", nil, "news", "b", 8)
	ev.want(t, "news")
	e := ev.want(t, "news")
	if v, err := client.Arg[string](e, 0); err != nil || v != "b" {
		t.Fatalf("Arg = %q, %v", v, err)
	}
	if _, err := client.Arg[string](e, 5); !errors.Is(err, codec.ErrNoArg) {
		t.Fatalf("Arg(5) err = %v", err)
	}
	want := "any:news once on2:a:7:<nil> any:news on2:b:8:<nil>"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("order = %s\nwant    %s", got, want)
	}
	anyOff()
	s.OffAny()
}

func TestReservedEmit(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := s.Emit(name); !errors.Is(err, client.ErrReserved) {
			t.Errorf("Emit(%q) = %v", name, err)
		}
	}
	if _, err := s.EmitWithAck(context.Background(), "disconnect"); !errors.Is(err, client.ErrReserved) {
		t.Errorf("EmitWithAck = %v", err)
	}
}

func TestMarshalError(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	if err := s.Emit("bad", func() {}); err == nil {
		t.Fatal("Emit accepted a func argument")
	}
}

func TestAckFromClient(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	errs := make(chan error, 4)
	s.On("ask", func(e *client.Event) {
		if !e.WantsAck() {
			errs <- e.Ack("x")
			return
		}
		errs <- e.Ack("yes", []byte{1, 2})
		errs <- e.Ack("again")
	})
	s.Connect()
	c := next(t, f.connects).conn
	id := uint64(42)
	f.emit(c, "/", &id, "ask")
	if err := next(t, errs); err != nil {
		t.Fatal(err)
	}
	if err := next(t, errs); !errors.Is(err, client.ErrAcked) {
		t.Fatalf("second Ack = %v", err)
	}
	g := next(t, f.recv)
	if g.pkt.Type != codec.BinaryAck || g.pkt.ID != 42 || string(g.pkt.Data) != `["yes",{"_placeholder":true,"num":0}]` ||
		!bytes.Equal(g.pkt.Attachments[0], []byte{1, 2}) {
		t.Fatalf("ack = %+v", g.pkt)
	}
	f.emit(c, "/", nil, "ask")
	if err := next(t, errs); !errors.Is(err, client.ErrNoAck) {
		t.Fatalf("Ack without id = %v", err)
	}
}

func TestEmitWithAck(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.autoAck.Store(true)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	args, err := s.EmitWithAck(context.Background(), "echo", "a", []byte("bin"), 3)
	if err != nil {
		t.Fatal(err)
	}
	var a string
	var b []byte
	var n int
	if err := errors.Join(args.Decode(0, &a), args.Decode(1, &b), args.Decode(2, &n)); err != nil || a != "a" || string(b) != "bin" || n != 3 {
		t.Fatalf("ack args %q %q %d: %v", a, b, n, err)
	}
	g := next(t, f.recv)
	if g.pkt.Type != codec.BinaryEvent || !g.pkt.HasID || len(g.pkt.Attachments) != 1 {
		t.Fatalf("sent %+v", g.pkt)
	}
}

func TestEmitWithAckContext(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t) // never acks
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	s.On("connect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := s.EmitWithAck(ctx, "slow")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	// A late ack for the abandoned id is ignored.
	g := next(t, f.recv)
	f.send(g.conn, &codec.Packet{Type: codec.Ack, ID: g.pkt.ID, HasID: true, Data: json.RawMessage(`[]`)})
	if err := s.Emit("still", "fine"); err != nil {
		t.Fatal(err)
	}
	if name, _ := eventOf(t, next(t, f.recv).pkt); name != "still" {
		t.Fatalf("got %q", name)
	}
}

func TestBinaryFromServer(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	got := make(chan []byte, 1)
	client.On1(s, "file", func(e *client.Event, v struct {
		Name string
		Body []byte
	}, err error) {
		if err != nil {
			t.Error(err)
		}
		got <- append([]byte(v.Name+":"), v.Body...)
	})
	s.Connect()
	c := next(t, f.connects).conn
	f.emit(c, "/", nil, "file", map[string]any{"Name": "a.bin", "Body": []byte{0, 1, 2}})
	if b := next(t, got); !bytes.Equal(b, []byte("a.bin:\x00\x01\x02")) {
		t.Fatalf("got %q", b)
	}
}

func TestMultiplex(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	root, chat := m.Socket("/", client.SocketConfig{}), m.Socket("/chat", client.SocketConfig{})
	evRoot, evChat := record(), record()
	root.On("msg", evRoot.h)
	chat.On("msg", evChat.h)
	root.On("connect", evRoot.h)
	chat.On("connect", evChat.h)
	root.Connect()
	chat.Connect()
	evRoot.want(t, "connect")
	evChat.want(t, "connect")
	if n := f.dials.Load(); n != 1 {
		t.Fatalf("dials = %d, want one connection for both namespaces", n)
	}
	if root.ID() == chat.ID() {
		t.Fatal("namespaces share an id")
	}
	c := f.last()
	f.emit(c, "/chat", nil, "msg", "to chat")
	f.emit(c, "/", nil, "msg", "to root")
	if v, _ := client.Arg[string](evChat.want(t, "msg"), 0); v != "to chat" {
		t.Fatalf("chat got %q", v)
	}
	if v, _ := client.Arg[string](evRoot.want(t, "msg"), 0); v != "to root" {
		t.Fatalf("root got %q", v)
	}
	_ = chat.Emit("up", 1)
	if g := next(t, f.recv); g.pkt.Namespace != "/chat" {
		t.Fatalf("namespace %q", g.pkt.Namespace)
	}
	// Leaving one namespace keeps the connection for the other.
	chat.Disconnect()
	if g := next(t, f.recv); g.pkt.Type != codec.Disconnect || g.pkt.Namespace != "/chat" {
		t.Fatalf("got %+v", g.pkt)
	}
	_ = root.Emit("after")
	if name, _ := eventOf(t, next(t, f.recv).pkt); name != "after" {
		t.Fatal("root lost its connection")
	}
}

func TestReconnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	mev, ev := record(), record()
	for _, name := range []string{"reconnect_attempt", "reconnect", "close", "open"} {
		m.On(name, mev.h)
	}
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect", ev.h)
	s.On("disconnect", ev.h)
	s.Connect()
	mev.want(t, "open")
	ev.want(t, "connect")
	first := s.ID()

	_ = f.last().Close(transport.ErrForcedClose)
	if e := mev.want(t, "close"); e.Reason != client.ReasonTransportClose {
		t.Fatalf("close reason %q", e.Reason)
	}
	if e := ev.want(t, "disconnect"); e.Reason != client.ReasonTransportClose {
		t.Fatalf("reason %q", e.Reason)
	}
	if e := mev.want(t, "reconnect_attempt"); e.Attempt != 1 {
		t.Fatalf("attempt %d", e.Attempt)
	}
	mev.want(t, "open")
	if e := mev.want(t, "reconnect"); e.Attempt != 1 {
		t.Fatalf("reconnect attempt %d", e.Attempt)
	}
	ev.want(t, "connect")
	if s.ID() == first || !s.Connected() {
		t.Fatalf("id %q after reconnect (was %q)", s.ID(), first)
	}
	if n := f.dials.Load(); n != 2 {
		t.Fatalf("dials = %d", n)
	}
}

func TestReconnectAfterFailedDials(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.failDial.Store(3)
	m := newManager(t, f.dial, nil)
	mev := record()
	for _, name := range []string{"error", "reconnect_attempt", "reconnect_error", "reconnect"} {
		m.On(name, mev.h)
	}
	ev := record()
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect_error", ev.h)
	s.On("connect", ev.h)
	s.Connect()
	if e := mev.want(t, "error"); !errors.Is(e.Err, errDial) {
		t.Fatalf("err %v", e.Err)
	}
	for i := 1; i <= 2; i++ {
		if e := mev.want(t, "reconnect_attempt"); e.Attempt != i {
			t.Fatalf("attempt %d, want %d", e.Attempt, i)
		}
		mev.want(t, "error")
		mev.want(t, "reconnect_error")
	}
	mev.want(t, "reconnect_attempt")
	if e := mev.want(t, "reconnect"); e.Attempt != 3 {
		t.Fatalf("reconnect after %d", e.Attempt)
	}
	for i := 0; i < 3; i++ {
		if e := ev.want(t, "connect_error"); !errors.Is(e.Err, errDial) {
			t.Fatal(e.Err)
		}
	}
	ev.want(t, "connect")
}

func TestReconnectionAttempts(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.failDial.Store(100)
	m := newManager(t, f.dial, func(c *client.Config) { c.ReconnectionAttempts = 2 })
	mev := record()
	m.On("reconnect_failed", mev.h)
	m.Socket("/", client.SocketConfig{}).Connect()
	mev.want(t, "reconnect_failed")
	if n := f.dials.Load(); n != 3 {
		t.Fatalf("dials = %d, want 1 + 2 attempts", n)
	}
}

func TestNoReconnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, func(c *client.Config) { c.NoReconnect = true })
	ev := record()
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect", ev.h)
	s.On("disconnect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	_ = f.last().Close(transport.ErrForcedClose)
	ev.want(t, "disconnect")
	next(t, f.connects)
	none(t, f.connects)
	if !s.Active() || f.dials.Load() != 1 {
		t.Fatalf("active=%v dials=%d", s.Active(), f.dials.Load())
	}
	// Connect dials again.
	s.Connect()
	ev.want(t, "connect")
}

func TestNoReconnectAfterServerDisconnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	ev := record()
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect", ev.h)
	s.On("disconnect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	f.send(f.last(), &codec.Packet{Type: codec.Disconnect, Namespace: "/"})
	if e := ev.want(t, "disconnect"); e.Reason != client.ReasonServerDisconnect {
		t.Fatalf("reason %q", e.Reason)
	}
	if s.Active() || s.Connected() {
		t.Fatal("socket still active")
	}
	next(t, f.connects)
	none(t, f.connects)
	if n := f.dials.Load(); n != 1 {
		t.Fatalf("dials = %d", n)
	}
}

func TestClientDisconnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	ev := record()
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect", ev.h)
	s.On("disconnect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	s.Disconnect()
	if e := ev.want(t, "disconnect"); e.Reason != client.ReasonClientDisconnect {
		t.Fatalf("reason %q", e.Reason)
	}
	if g := next(t, f.recv); g.pkt.Type != codec.Disconnect {
		t.Fatalf("server got %+v", g.pkt)
	}
	next(t, f.connects)
	none(t, f.connects)
	if s.Active() || f.dials.Load() != 1 {
		t.Fatal("socket reconnects after Disconnect")
	}
	// The connection is closed (no active socket) and Connect reopens it.
	s.Connect()
	ev.want(t, "connect")
	if n := f.dials.Load(); n != 2 {
		t.Fatalf("dials = %d", n)
	}
}

func TestBufferFlushedInOrder(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.autoAck.Store(true)
	m := newManager(t, f.dial, nil)
	ev := record()
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect", ev.h)
	s.On("disconnect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	f.failDial.Store(5)
	_ = f.last().Close(transport.ErrForcedClose)
	ev.want(t, "disconnect")

	acked := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "n", -1)
		acked <- err
	}()
	waitFor(t, "the ack emit to be buffered", func() bool { return len(acked) == 0 })
	const n = 50
	for i := 0; i < n; i++ {
		if err := s.Emit("n", i); err != nil {
			t.Fatal(err)
		}
		if err := s.Volatile().Emit("v", i); !errors.Is(err, client.ErrNotConnected) {
			t.Fatalf("volatile emit while offline = %v", err)
		}
	}
	ev.want(t, "connect")
	if err := next(t, acked); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < n+1 {
		_, args := eventOf(t, next(t, f.recv).pkt)
		got = append(got, args)
	}
	// The ack emit went out first or right after the others; the plain emits
	// keep their order.
	want := 0
	for _, a := range got {
		if a == "[-1]" {
			continue
		}
		if a != fmt.Sprintf("[%d]", want) {
			t.Fatalf("got %s, want [%d] (all: %v)", a, want, got)
		}
		want++
	}
	if g := f.last(); g == nil || f.dials.Load() != 7 {
		t.Fatalf("dials = %d", f.dials.Load())
	}
	none(t, f.recv) // no volatile emit was kept
}

func TestBufferFull(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.failDial.Store(1000)
	m := newManager(t, f.dial, func(c *client.Config) { c.SendBufferSize = 2; c.ReconnectionDelay = time.Hour })
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	if err := errors.Join(s.Emit("a"), s.Emit("b")); err != nil {
		t.Fatal(err)
	}
	if err := s.Emit("c"); !errors.Is(err, client.ErrBufferFull) {
		t.Fatalf("third emit = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.EmitWithAck(ctx, "d"); !errors.Is(err, client.ErrBufferFull) {
		t.Fatalf("ack emit = %v", err)
	}
}

func TestVolatileConnected(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	ev := record()
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	if err := s.Volatile().Emit("tick", 1); err != nil {
		t.Fatal(err)
	}
	if name, _ := eventOf(t, next(t, f.recv).pkt); name != "tick" {
		t.Fatal(name)
	}
}

func TestAcksFailOnDisconnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	s.On("connect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	done := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "wait")
		done <- err
	}()
	next(t, f.recv) // sent
	_ = f.last().Close(transport.ErrForcedClose)
	if err := next(t, done); !errors.Is(err, client.ErrDisconnected) {
		t.Fatalf("err = %v", err)
	}
}

func TestCloseFailsWaits(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.failDial.Store(1000)
	m := newManager(t, f.dial, func(c *client.Config) { c.ReconnectionDelay = time.Hour })
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	done := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "buffered")
		done <- err
	}()
	waitFor(t, "a dial", func() bool { return f.dials.Load() > 0 })
	time.Sleep(5 * time.Millisecond) // let the emit reach the buffer; the outcome is the same either way
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := next(t, done); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Emit("x"); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("emit after close = %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestCloseMidReconnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		delay time.Duration
	}{{"sleeping", time.Hour}, {"dialing", time.Millisecond}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeServer(t)
			m := newManager(t, f.dial, func(c *client.Config) { c.ReconnectionDelay = tt.delay; c.ReconnectionDelayMax = tt.delay })
			ev := record()
			s := m.Socket("/", client.SocketConfig{})
			s.On("connect", ev.h)
			s.On("disconnect", ev.h)
			s.Connect()
			ev.want(t, "connect")
			f.failDial.Store(1 << 30)
			_ = f.last().Close(transport.ErrForcedClose)
			ev.want(t, "disconnect")
			waitFor(t, "reconnecting", func() bool { return tt.delay == time.Hour || f.dials.Load() > 3 })
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			n := f.dials.Load()
			none(t, ev.ch)
			if f.dials.Load() != n {
				t.Fatal("dialing after Close")
			}
		})
	}
}

func TestCloseFromHandler(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.failDial.Store(1000)
	m := newManager(t, f.dial, nil)
	closed := make(chan error, 1)
	m.On("reconnect_attempt", func(*client.Event) { closed <- m.Close() })
	m.Socket("/", client.SocketConfig{}).Connect()
	if err := next(t, closed); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrorReconnects(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	ev := record()
	s := m.Socket("/", client.SocketConfig{})
	s.On("connect", ev.h)
	s.On("disconnect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	_ = f.last().Send(transport.NewMessage([]byte("2{bad"), false))
	if e := ev.want(t, "disconnect"); e.Reason != client.ReasonParseError {
		t.Fatalf("reason %q", e.Reason)
	}
	ev.want(t, "connect")
}

func TestHandlerPanicRecovered(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	var logs lockedBuffer
	m := newManager(t, f.dial, func(c *client.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	s.On("x", func(*client.Event) { panic("boom") })
	s.On("x", ev.h)
	s.Connect()
	c := next(t, f.connects).conn
	f.emit(c, "/", nil, "x")
	ev.want(t, "x")
	if !strings.Contains(logs.String(), "boom") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
	if !s.Connected() {
		t.Fatal("panic disconnected the socket")
	}
}

func TestOutgoingListeners(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.failDial.Store(1)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	out := record()
	off := s.OnAnyOutgoing(out.h)
	s.PrependAnyOutgoing(func(e *client.Event) { out.h(&client.Event{Name: "first:" + e.Name}) })
	_ = s.Emit("queued", 1) // buffered: seen when flushed
	out.want(t, "first:queued")
	e := out.want(t, "queued")
	if v, err := client.Arg[int](e, 0); err != nil || v != 1 {
		t.Fatalf("arg %v %v", v, err)
	}
	off()
	off()
	s.OffAnyOutgoing()
	_ = s.Emit("plain")
	next(t, f.recv)
	next(t, f.recv)
	none(t, out.ch)
}

// TestCloseFromDisconnectHandler: Close called by a "disconnect" handler while
// the reconnect loop is about to start must neither deadlock nor leak it.
func TestCloseFromDisconnectHandler(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	s.On("connect", ev.h)
	closed := make(chan error, 1)
	s.On("disconnect", func(*client.Event) { closed <- m.Close() })
	s.Connect()
	ev.want(t, "connect")
	_ = f.last().Close(transport.ErrForcedClose)
	if err := next(t, closed); err != nil {
		t.Fatal(err)
	}
	none(t, ev.ch)
	if n := f.dials.Load(); n != 1 {
		t.Fatalf("dials = %d after Close", n)
	}
}

func TestDisconnectFailsSentAcks(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	s.On("connect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	done := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "wait")
		done <- err
	}()
	next(t, f.recv)
	s.Disconnect()
	if err := next(t, done); !errors.Is(err, client.ErrDisconnected) {
		t.Fatalf("err = %v", err)
	}
	if err := (&client.Event{}).Ack(); !errors.Is(err, client.ErrNoAck) {
		t.Fatalf("Ack on a bare event = %v", err)
	}
}

// TestEventsBeforeConnectReply: events that arrive before the CONNECT reply
// (as Node replays them during recovery) are delivered after it, in order,
// before "connect".
func TestEventsBeforeConnectReply(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.manual.Store(true)
	m := newManager(t, f.dial, nil)
	s := m.Socket("/", client.SocketConfig{})
	got := make(chan string, 8)
	s.On("e", func(e *client.Event) { v, _ := client.Arg[string](e, 0); got <- v })
	s.On("connect", func(*client.Event) { got <- "connect" })
	s.Connect()
	c := next(t, f.connects).conn
	f.emit(c, "/", nil, "e", "early1")
	f.emit(c, "/", nil, "e", "early2")
	none(t, got)
	f.send(c, &codec.Packet{Type: codec.Connect, Data: json.RawMessage(`{"sid":"s"}`)})
	for _, want := range []string{"early1", "early2", "connect"} {
		if v := next(t, got); v != want {
			t.Fatalf("got %q, want %q", v, want)
		}
	}
}
