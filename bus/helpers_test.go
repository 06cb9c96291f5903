package bus

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 5 * time.Second

// peer is a raw Socket.IO client: it records what the server sends and
// sends hand-written packets.
type peer struct {
	conn   transport.Conn // the peer's end: Send reaches the server
	msgs   chan *transport.Message
	values chan any
	closed chan error
}

func (p *peer) OnOpen(c transport.Conn, _ transport.Handshake) error { return nil }
func (p *peer) OnMessage(_ transport.Conn, m *transport.Message)     { p.msgs <- m }
func (p *peer) OnClose(_ transport.Conn, reason error)               { p.closed <- reason }

// valuePeer also takes in-process values.
type valuePeer struct{ *peer }

func (p valuePeer) OnValue(_ transport.Conn, v any) { p.values <- v }

func newPeer() *peer {
	return &peer{msgs: make(chan *transport.Message, 4096), values: make(chan any, 4096), closed: make(chan error, 1)}
}

// newServer returns a server closed at the end of the test.
func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// dial connects a raw peer to s over a Pipe (values: the peer is a
// ValueHandler). The pipe is closed at the end of the test.
func dial(t testing.TB, s *Server, values bool) *peer {
	t.Helper()
	p := newPeer()
	var h transport.Handler = p
	if values {
		h = valuePeer{p}
	}
	ca, _, err := transport.Pipe(h, s, transport.PipeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p.conn = ca
	t.Cleanup(func() {
		_ = ca.Close(nil)
		select {
		case <-p.closed:
		case <-time.After(wait):
			t.Error("peer not closed")
		}
	})
	return p
}

func (p *peer) send(t testing.TB, text string) {
	t.Helper()
	if err := p.conn.Send(transport.NewMessage([]byte(text), false)); err != nil {
		t.Fatal(err)
	}
}

func (p *peer) sendBin(t testing.TB, b []byte) {
	t.Helper()
	if err := p.conn.Send(transport.NewMessage(b, true)); err != nil {
		t.Fatal(err)
	}
}

// next returns the next message: its text, or "<bin:hex>".
func (p *peer) next(t testing.TB) string {
	t.Helper()
	select {
	case m := <-p.msgs:
		if m.Binary {
			return "<bin:" + hex.EncodeToString(m.Data) + ">"
		}
		return string(m.Data)
	case <-time.After(wait):
		t.Fatal("no message")
		return ""
	}
}

func (p *peer) expect(t testing.TB, want string) {
	t.Helper()
	if got := p.next(t); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// connect sends CONNECT to nsp and returns the socket id of the reply.
func (p *peer) connect(t testing.TB, nsp string) string {
	t.Helper()
	prefix := "0"
	if nsp != "/" {
		prefix += nsp + ","
	}
	p.send(t, prefix)
	got := p.next(t)
	if !strings.HasPrefix(got, prefix+"{") {
		t.Fatalf("connect reply %q", got)
	}
	var body struct{ SID string }
	if err := json.Unmarshal([]byte(got[len(prefix):]), &body); err != nil || len(body.SID) != 20 {
		t.Fatalf("connect reply %q: %v", got, err)
	}
	return body.SID
}

func (p *peer) waitClosed(t testing.TB) error {
	t.Helper()
	select {
	case err := <-p.closed:
		p.closed <- err // for the cleanup
		return err
	case <-time.After(wait):
		t.Fatal("not closed")
		return nil
	}
}

// waitFor polls cond until true.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// connected returns a channel receiving the sockets of ns as they connect.
func connected(ns *Namespace) <-chan *Socket {
	ch := make(chan *Socket, 4096)
	ns.OnConnection(func(s *Socket) { ch <- s })
	return ch
}

func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("nothing received")
		var z T
		return z
	}
}

// discardConn is a transport.Conn that counts and drops what it is sent.
type discardConn struct {
	id       string
	n        atomic.Int64
	closed   atomic.Bool
	writable atomic.Bool
}

func (c *discardConn) ID() string { return c.id }
func (c *discardConn) Send(msgs ...*transport.Message) error {
	if c.closed.Load() {
		return transport.ErrClosed
	}
	c.n.Add(int64(len(msgs)))
	return nil
}
func (c *discardConn) Close(error) error { c.closed.Store(true); return nil }

// writableConn is a discardConn reporting writability.
type writableConn struct{ *discardConn }

func (c writableConn) Writable() bool { return c.writable.Load() }

// valueConn is a discardConn with a value path.
type valueConn struct {
	*discardConn
	values atomic.Int64
}

func (c *valueConn) SendValue(any) error { c.values.Add(1); return nil }

var connectMsg = transport.NewMessage([]byte("0"), false)

// attach opens c on s and connects it to "/" synchronously.
func attach(t testing.TB, s *Server, c transport.Conn) {
	t.Helper()
	if err := s.OnOpen(c, transport.Handshake{}); err != nil {
		t.Fatal(err)
	}
	s.OnMessage(c, connectMsg)
}

var errTest = errors.New("test error")
