//go:build interop

package goclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
	"github.com/sockbus/sockbus/transport/tcp"
)

// Client modes: how the Go client reaches the server.
const (
	modeWebSocket = "websocket"
	modeUpgrade   = "polling-upgrade"
	modeTCP       = "tcp"
)

// peerServer is a server under test that can be stopped and started again
// on the same ports.
type peerServer interface {
	// dialer returns a Dialer for mode.
	dialer(mode string) *engineclient.Dialer
	stop(t *testing.T)
	start(t *testing.T)
}

// dialerFor returns the Dialer of mode for an HTTP address and a TCP one.
func dialerFor(mode, httpAddr, tcpAddr string) *engineclient.Dialer {
	d := &engineclient.Dialer{URL: "http://" + httpAddr, Logger: quiet, Timeout: wait}
	switch mode {
	case modeWebSocket:
		d.Transports = []string{engineclient.WebSocket}
	case modeUpgrade:
		d.Transports = []string{engineclient.Polling, engineclient.WebSocket}
	case modeTCP:
		d.URL = "tcp://" + tcpAddr
	}
	return d
}

// nodeServer is testdata/server.mjs: the official Node socket.io server.
type nodeServer struct {
	port string
	proc *nodeProc
}

// startNodeServer starts the Node server on a free port; it is killed at
// cleanup.
func startNodeServer(t *testing.T) *nodeServer {
	s := &nodeServer{port: "0"}
	s.start(t)
	t.Cleanup(func() { s.proc.kill() })
	return s
}

func (s *nodeServer) dialer(mode string) *engineclient.Dialer {
	return dialerFor(mode, "127.0.0.1:"+s.port, "")
}

// stop kills the process (its connections are reset).
func (s *nodeServer) stop(*testing.T) { s.proc.kill() }

// start runs the process on s.port (a free one the first time).
func (s *nodeServer) start(t *testing.T) {
	t.Helper()
	s.proc = startNode(t, "server.mjs", s.port)
	port := strings.TrimSpace(s.proc.line(t, "LISTENING "))
	if s.port != "0" && port != s.port {
		t.Fatalf("node listens on %s, want %s", port, s.port)
	}
	s.port = port
}

// busServer is a sockbus server (bus.Server, sockbus.Handler over HTTP and a
// tcp.Server on the same engine) implementing the contract of
// testdata/server.mjs.
type busServer struct {
	httpAddr, tcpAddr string

	bus    *bus.Server
	h      *sockbus.Handler
	hs     *http.Server
	ts     *tcp.Server
	cancel context.CancelFunc
	served chan error
	asks   sync.WaitGroup // "ask" relays waiting for an acknowledgement
}

// startBusServer starts a sockbus server on free ports, stopped at cleanup.
func startBusServer(t *testing.T) *busServer {
	s := &busServer{httpAddr: "127.0.0.1:0", tcpAddr: "127.0.0.1:0"}
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *busServer) dialer(mode string) *engineclient.Dialer {
	return dialerFor(mode, s.httpAddr, s.tcpAddr)
}

// start listens on s.httpAddr and s.tcpAddr (free ports the first time,
// the same ones afterwards) with a new bus and engine.
func (s *busServer) start(t *testing.T) {
	t.Helper()
	b, err := bus.NewServer(bus.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s.contract(b)
	h, err := sockbus.NewHandler(b, engine.Config{PingInterval: time.Second, PingTimeout: 1500 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tcp.NewServer(tcp.Config{Engine: h.Server})
	if err != nil {
		t.Fatal(err)
	}
	hl, err := net.Listen("tcp", s.httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := net.Listen("tcp", s.tcpAddr)
	if err != nil {
		_ = hl.Close()
		t.Fatal(err)
	}
	s.httpAddr, s.tcpAddr = hl.Addr().String(), tl.Addr().String()
	s.bus, s.h, s.ts = b, h, ts
	s.hs = &http.Server{Handler: h, ReadHeaderTimeout: wait}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.served = cancel, make(chan error, 2)
	go func() {
		if err := s.hs.Serve(hl); !errors.Is(err, http.ErrServerClosed) {
			s.served <- err
			return
		}
		s.served <- nil
	}()
	go func() { s.served <- ts.Serve(ctx, tl) }()
}

// stop closes the listeners, every session and the bus, and waits for
// their goroutines. It may be called more than once.
func (s *busServer) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	_ = s.bus.Close()
	s.cancel()
	s.cancel = nil
	_ = s.hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err := errors.Join(<-s.served, <-s.served, s.h.Shutdown(ctx), s.ts.Close())
	s.asks.Wait()
	if err != nil {
		t.Errorf("stop: %v", err)
	}
}

// contract installs the handlers of testdata/server.mjs on b.
func (s *busServer) contract(b *bus.Server) {
	root := b.Of("/")
	root.OnConnection(func(so *bus.Socket) {
		so.On("echo", func(e *bus.Event) { _ = so.Emit("echo", e.Args) })
		so.On("ack", func(e *bus.Event) { _ = e.Ack(e.Args) })
		so.On("ignore", func(*bus.Event) {})
		so.On("transport", func(e *bus.Event) {
			name := ""
			if c, ok := so.Conn().(interface{ Transport() string }); ok {
				name = c.Transport()
			}
			_ = e.Ack(name)
		})
		so.On("ask", func(e *bus.Event) { s.ask(so, e) })
		so.On("join", func(e *bus.Event) {
			room, _ := bus.Arg[string](e, 0)
			so.Join(room)
			_ = e.Ack(true)
		})
		so.On("socket-to", func(e *bus.Event) {
			spec, _ := bus.Arg[roomEmit](e, 0)
			_ = so.To(spec.Rooms...).Emit(spec.Event, spec.Args...)
			_ = e.Ack(true)
		})
		so.On("to", func(e *bus.Event) {
			spec, _ := bus.Arg[roomEmit](e, 0)
			_ = root.To(spec.Rooms...).Emit(spec.Event, spec.Args...)
			_ = e.Ack(true)
		})
	})
	b.Of("/admin").OnConnection(func(so *bus.Socket) {
		so.On("echo", func(e *bus.Event) { _ = so.Emit("echo", "admin", e.Args) })
		_ = so.Emit("hello", "admin")
	})
	auth := b.Of("/auth")
	auth.Use(func(so *bus.Socket) error {
		var a struct{ Token string }
		_ = json.Unmarshal(so.Handshake().Auth, &a)
		if a.Token == "secret" {
			return nil
		}
		return &bus.ConnectError{Message: "unauthorized", Data: map[string]any{"code": 4001, "reason": "bad token"}}
	})
	auth.OnConnection(func(so *bus.Socket) {
		var a struct{ User any }
		_ = json.Unmarshal(so.Handshake().Auth, &a)
		_ = so.Emit("welcome", a.User)
	})
}

// roomEmit is the argument of "to" and "socket-to".
type roomEmit struct {
	Rooms []string `json:"rooms"`
	Event string   `json:"event"`
	Args  []any    `json:"args"`
}

// ask emits "question" to so with an acknowledgement timeout and reports
// the outcome as "ask-result", like socket.timeout(t).emitWithAck in Node.
func (s *busServer) ask(so *bus.Socket, e *bus.Event) {
	var spec struct {
		Timeout int   `json:"timeout"`
		Args    []any `json:"args"`
	}
	_ = e.Args.Decode(0, &spec)
	s.asks.Add(1)
	go func() { // a handler must not wait for an acknowledgement
		defer s.asks.Done()
		ctx, cancel := context.WithTimeout(so.Context(), time.Duration(spec.Timeout)*time.Millisecond)
		defer cancel()
		args, err := so.EmitWithAck(ctx, "question", spec.Args...)
		if err != nil {
			_ = so.Emit("ask-result", map[string]any{"ok": false, "error": err.Error()})
			return
		}
		var value any
		_ = args.Decode(0, &value)
		_ = so.Emit("ask-result", map[string]any{"ok": true, "value": value})
	}()
}
