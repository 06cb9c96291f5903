package tcp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/ws"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

const wait = 10 * time.Second

// hub is the server-side Handler: it tracks sessions by transport and
// echoes messages when echo is set.
type hub struct {
	echo bool

	mu      sync.Mutex
	conns   map[transport.Conn]string // -> transport name
	reasons []error
	changed chan struct{}
}

func newHub(echo bool) *hub {
	return &hub{echo: echo, conns: map[transport.Conn]string{}, changed: make(chan struct{})}
}

func (h *hub) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *hub) OnOpen(c transport.Conn, hs transport.Handshake) error {
	if hs.Query["refuse"] != nil {
		return errors.New("refused")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conns[c] = hs.Transport
	h.notify()
	return nil
}

func (h *hub) OnMessage(c transport.Conn, m *transport.Message) {
	if h.echo {
		_ = c.Send(m)
	}
}

func (h *hub) OnClose(c transport.Conn, reason error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	h.reasons = append(h.reasons, reason)
	h.notify()
}

// waitFor waits until cond holds under the hub's lock.
func (h *hub) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		h.mu.Lock()
		ok, ch := cond(), h.changed
		h.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// broadcast sends m to every session.
func (h *hub) broadcast(m *transport.Message) {
	h.mu.Lock()
	all := make([]transport.Conn, 0, len(h.conns))
	for c := range h.conns {
		all = append(all, c)
	}
	h.mu.Unlock()
	for _, c := range all {
		_ = c.Send(m)
	}
}

// env is an engine with HTTP transports and a TCP listener.
type env struct {
	hub  *hub
	eng  *engine.Server
	http *httptest.Server
	tcp  *Server
	addr string // tcp listener
}

type envConfig struct {
	engine engine.Config
	tls    *tls.Config
	tcp    Config
}

func newEnv(t testing.TB, h *hub, ec envConfig) *env {
	t.Helper()
	cfg := ec.engine
	cfg.Handler = h
	cfg.Transports = []engine.Transport{polling.New(polling.Config{}), ws.New(ws.Config{})}
	eng, err := engine.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{hub: h, eng: eng, http: httptest.NewServer(eng)}
	tc := ec.tcp
	tc.Engine = eng
	e.tcp, err = NewServer(tc)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if ec.tls != nil {
		ln = tls.NewListener(ln, ec.tls)
	}
	e.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.tcp.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		_ = e.eng.Close()
		_ = e.tcp.Close()
		e.http.Close()
	})
	return e
}

func (e *env) tcpURL() string { return "tcp://" + e.addr }
func (e *env) wsURL() string  { return "ws://" + strings.TrimPrefix(e.http.URL, "http://") }

// peer is a client session with its recorder.
type peer struct {
	conn   transport.Conn
	msgs   chan *transport.Message
	closed chan struct{} // closed by OnClose, after err is set
	err    error
}

func (p *peer) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (p *peer) OnMessage(_ transport.Conn, m *transport.Message) { p.msgs <- m }
func (p *peer) OnClose(_ transport.Conn, err error) {
	p.err = err
	close(p.closed)
}

func dialPeer(t testing.TB, d *engineclient.Dialer) *peer {
	t.Helper()
	p := &peer{msgs: make(chan *transport.Message, 100000), closed: make(chan struct{})}
	if d.Path == "" {
		d.Path = "/engine.io/"
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := d.Dial(ctx, p)
	if err != nil {
		t.Fatalf("dial %s: %v", d.URL, err)
	}
	p.conn = c
	t.Cleanup(func() {
		_ = c.Close(nil)
		<-p.closed
	})
	return p
}

func (p *peer) next(t testing.TB) *transport.Message {
	t.Helper()
	select {
	case m := <-p.msgs:
		return m
	case <-p.closed:
		t.Fatalf("closed while waiting for a message: %v", p.err)
	case <-time.After(wait):
		t.Fatal("no message")
	}
	return nil
}

func (p *peer) reason(t testing.TB) error {
	t.Helper()
	select {
	case <-p.closed:
		return p.err
	case <-time.After(wait):
		t.Fatal("not closed")
	}
	return nil
}
