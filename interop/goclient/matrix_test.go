//go:build interop

package goclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport"
)

// TestNodeServer runs the matrix against the official Node socket.io server.
func TestNodeServer(t *testing.T) {
	requireNode(t)
	t.Parallel()
	for _, mode := range []string{modeWebSocket, modeUpgrade} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			runMatrix(t, startNodeServer(t), mode)
		})
	}
}

// TestSockbusServer runs the matrix against a sockbus server.
func TestSockbusServer(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{modeWebSocket, modeUpgrade, modeTCP} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			runMatrix(t, startBusServer(t), mode)
		})
	}
}

// matrixCase is one case of the matrix; it gets the server and the mode.
type matrixCase struct {
	name string
	fn   func(t *testing.T, srv peerServer, mode string)
}

// runMatrix runs every case in order against srv; the restart case is last
// because it replaces the server.
func runMatrix(t *testing.T, srv peerServer, mode string) {
	for _, c := range []matrixCase{
		{"EventsBothWays", testEvents},
		{"Binary", testBinary},
		{"AckFromServer", testAck},
		{"AckTimeout", testAckTimeout},
		{"AckFromClient", testServerAck},
		{"AckFromClientTimeout", testServerAckTimeout},
		{"Namespaces", testNamespaces},
		{"MiddlewareRefusal", testRefusal},
		{"Upgrade", testUpgrade},
		{"RestartBuffered", testRestart},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, srv, mode) })
	}
}

// connected returns a connected socket on nsp of a new Manager for srv and
// mode, with a recorder of names (plus "connect", consumed).
func connected(t *testing.T, srv peerServer, mode, nsp string, names ...string) (*client.Socket, recorder) {
	t.Helper()
	m := newManager(t, srv.dialer(mode).Dial)
	s := m.Socket(nsp, client.SocketConfig{})
	ev := record().on(s, append([]string{"connect"}, names...)...)
	s.Connect()
	ev.want(t, "connect")
	return s, ev
}

func testEvents(t *testing.T, srv peerServer, mode string) {
	s, ev := connected(t, srv, mode, "/", "echo")
	if err := s.Emit("echo", "text", 42, -1.5, map[string]any{"k": []any{true, nil, "é🎉"}}); err != nil {
		t.Fatal(err)
	}
	got := string(ev.want(t, "echo").Args.AppendJSON(nil))
	if want := `["text",42,-1.5,{"k":[true,null,"é🎉"]}]`; got != want {
		t.Fatalf("echo %s, want %s", got, want)
	}
}

func testBinary(t *testing.T, srv peerServer, mode string) {
	s, ev := connected(t, srv, mode, "/", "echo")
	big := bytes.Repeat([]byte{0xab}, 100_000)
	nested := map[string]any{"nested": map[string]any{"data": []byte{4, 5}}, "n": 1}
	if err := s.Emit("echo", []byte{0, 1, 255}, nested, big); err != nil {
		t.Fatal(err)
	}
	e := ev.want(t, "echo")
	var first, large []byte
	var obj struct {
		Nested struct{ Data []byte } `json:"nested"`
		N      int                   `json:"n"`
	}
	if err := errors.Join(e.Args.Decode(0, &first), e.Args.Decode(1, &obj), e.Args.Decode(2, &large)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, []byte{0, 1, 255}) || !bytes.Equal(obj.Nested.Data, []byte{4, 5}) || obj.N != 1 || !bytes.Equal(large, big) {
		t.Fatalf("echo %v %+v len %d", first, obj, len(large))
	}
}

func testAck(t *testing.T, srv peerServer, mode string) {
	s, _ := connected(t, srv, mode, "/")
	args, err := s.EmitWithAck(withTimeout(t), "ack", 1, "two", []byte{3})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var str string
	var bin []byte
	if err := errors.Join(args.Decode(0, &n), args.Decode(1, &str), args.Decode(2, &bin)); err != nil ||
		args.Len() != 3 || n != 1 || str != "two" || !bytes.Equal(bin, []byte{3}) {
		t.Fatalf("ack %s: %v", args.AppendJSON(nil), err)
	}
}

func testAckTimeout(t *testing.T, srv peerServer, mode string) {
	s, _ := connected(t, srv, mode, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.EmitWithAck(ctx, "ignore", "no answer"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("EmitWithAck = %v, want a deadline error", err)
	}
	// The socket still works.
	if _, err := s.EmitWithAck(withTimeout(t), "ack", 1); err != nil {
		t.Fatal(err)
	}
}

// askResult is the payload of "ask-result".
type askResult struct {
	OK    bool   `json:"ok"`
	Value any    `json:"value"`
	Error string `json:"error"`
}

func ask(t *testing.T, s *client.Socket, ev recorder, timeout int, args ...any) askResult {
	t.Helper()
	if err := s.Emit("ask", map[string]any{"timeout": timeout, "args": args}); err != nil {
		t.Fatal(err)
	}
	var res askResult
	if err := ev.want(t, "ask-result").Args.Decode(0, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func testServerAck(t *testing.T, srv peerServer, mode string) {
	s, ev := connected(t, srv, mode, "/", "ask-result")
	s.On("question", func(e *client.Event) {
		q, _ := client.Arg[string](e, 0)
		n, _ := client.Arg[float64](e, 1)
		_ = e.Ack(fmt.Sprintf("re: %s %v", q, n))
	})
	if res := ask(t, s, ev, 5000, "why", 7); !res.OK || res.Value != "re: why 7" {
		t.Fatalf("ask-result %+v", res)
	}
}

func testServerAckTimeout(t *testing.T, srv peerServer, mode string) {
	s, ev := connected(t, srv, mode, "/", "ask-result")
	asked := make(chan bool, 1)
	s.On("question", func(e *client.Event) { asked <- e.WantsAck() }) // and never acknowledges
	if res := ask(t, s, ev, 200, "anyone?"); res.OK || res.Error == "" {
		t.Fatalf("ask-result %+v, want a timeout", res)
	}
	if !<-asked {
		t.Fatal("question did not ask for an acknowledgement")
	}
}

func testNamespaces(t *testing.T, srv peerServer, mode string) {
	var dials atomic.Int32
	d := srv.dialer(mode)
	m := newManager(t, func(ctx context.Context, h transport.Handler) (transport.Conn, error) {
		dials.Add(1)
		return d.Dial(ctx, h)
	})
	root, admin := m.Socket("/", client.SocketConfig{}), m.Socket("/admin", client.SocketConfig{})
	rev := record().on(root, "connect", "echo")
	aev := record().on(admin, "connect", "hello", "echo")
	root.Connect()
	admin.Connect()
	rev.want(t, "connect")
	aev.want(t, "connect")
	if got := string(aev.want(t, "hello").Args.AppendJSON(nil)); got != `["admin"]` {
		t.Fatalf("hello %s", got)
	}
	_ = admin.Emit("echo", "x")
	_ = root.Emit("echo", "x")
	if got := string(rev.want(t, "echo").Args.AppendJSON(nil)); got != `["x"]` {
		t.Fatalf("root echo %s", got)
	}
	if got := string(aev.want(t, "echo").Args.AppendJSON(nil)); got != `["admin","x"]` {
		t.Fatalf("admin echo %s", got)
	}
	if root.ID() == admin.ID() || root.ID() == "" {
		t.Fatalf("socket ids %q %q", root.ID(), admin.ID())
	}
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d connections for two namespaces, want 1", n)
	}
}

func testRefusal(t *testing.T, srv peerServer, mode string) {
	bad := newManager(t, srv.dialer(mode).Dial).Socket("/auth", client.SocketConfig{Auth: map[string]string{"token": "nope"}})
	ev := record().on(bad, "connect", "connect_error")
	bad.Connect()
	var ce *client.ConnectError
	if e := ev.want(t, "connect_error"); !errors.As(e.Err, &ce) || ce.Message != "unauthorized" {
		t.Fatalf("connect_error %#v", e.Err)
	}
	var data, want any
	_ = json.Unmarshal([]byte(`{"code":4001,"reason":"bad token"}`), &want)
	if err := json.Unmarshal(ce.Data, &data); err != nil || !reflect.DeepEqual(data, want) {
		t.Fatalf("connect_error data %s: %v", ce.Data, err)
	}

	good := newManager(t, srv.dialer(mode).Dial).Socket("/auth", client.SocketConfig{Auth: map[string]string{"token": "secret", "user": "ann"}})
	gev := record().on(good, "connect", "connect_error", "welcome")
	good.Connect()
	gev.want(t, "connect")
	if got := string(gev.want(t, "welcome").Args.AppendJSON(nil)); got != `["ann"]` {
		t.Fatalf("welcome %s", got)
	}
}

// testUpgrade checks that polling-with-upgrade ends on WebSocket on the
// server side (the other modes start there).
func testUpgrade(t *testing.T, srv peerServer, mode string) {
	want := map[string]string{modeWebSocket: "websocket", modeUpgrade: "websocket", modeTCP: "tcp"}[mode]
	s, _ := connected(t, srv, mode, "/")
	ctx := withTimeout(t)
	var got string
	for ctx.Err() == nil { // the upgrade completes in the background
		args, err := s.EmitWithAck(ctx, "transport")
		if err != nil {
			t.Fatal(err)
		}
		if _ = args.Decode(0, &got); got == want {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server-side transport %q, want %q", got, want)
}

// testRestart stops the server, emits while it is down, starts it again on
// the same port and checks that both namespaces reconnect by themselves and
// the buffered emits arrive in order.
func testRestart(t *testing.T, srv peerServer, mode string) {
	m := newManager(t, srv.dialer(mode).Dial)
	mev := record()
	m.On("reconnect", mev.h)
	root, admin := m.Socket("/", client.SocketConfig{}), m.Socket("/admin", client.SocketConfig{})
	rev := record().on(root, "connect", "disconnect", "echo")
	aev := record().on(admin, "connect", "disconnect", "hello")
	root.Connect()
	admin.Connect()
	rev.want(t, "connect")
	aev.want(t, "connect")
	aev.want(t, "hello")

	srv.stop(t)
	for _, ev := range []recorder{rev, aev} {
		if r := ev.want(t, "disconnect").Reason; r != client.ReasonTransportClose && r != client.ReasonTransportError {
			t.Fatalf("disconnect reason %q", r)
		}
	}
	if root.Connected() {
		t.Fatal("connected while the server is down")
	}
	const n = 20
	for i := range n {
		if err := root.Emit("echo", i); err != nil {
			t.Fatalf("emit %d while down: %v", i, err)
		}
	}
	acked := make(chan error, 1)
	go func() {
		args, err := root.EmitWithAck(withTimeout(t), "ack", "late")
		if err == nil && string(args.AppendJSON(nil)) != `["late"]` {
			err = fmt.Errorf("ack %s", args.AppendJSON(nil))
		}
		acked <- err
	}()

	srv.start(t)
	if e := mev.want(t, "reconnect"); e.Attempt < 1 {
		t.Fatalf("reconnect attempt %d", e.Attempt)
	}
	rev.want(t, "connect")
	aev.want(t, "connect")
	aev.want(t, "hello")
	for i := range n {
		var got int
		if err := rev.want(t, "echo").Args.Decode(0, &got); err != nil || got != i {
			t.Fatalf("buffered echo %d: got %d (%v)", i, got, err)
		}
	}
	select {
	case err := <-acked:
		if err != nil {
			t.Fatalf("buffered EmitWithAck: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("buffered EmitWithAck not acknowledged")
	}
}
