// Command conformance is the protocol conformance server of
// docs/protocol.md section 1, for external Engine.IO / Socket.IO test suites:
//
//	go run ./examples/conformance -port 3000
//
// /engine.io/ is a bare Engine.IO server that echoes every message as it came
// (text as text, binary as binary). /socket.io/ is a Socket.IO server with
// the namespaces "/" and "/custom": every connection gets "auth" with its
// CONNECT payload; on "/", "message" is answered with "message-back" and the
// same arguments, "message-with-ack" is acknowledged with them, and
// "emit-with-ack" is sent back asking for an ack whose arguments then come
// back as "emit-with-ack" (the socket.io-protocol suite's acknowledgements
// tests). Both endpoints use pingInterval 300 ms, pingTimeout 200 ms,
// maxPayload 1e6 and CORS origin "*". The server listens on 127.0.0.1 and
// ::1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/ws"
)

func main() {
	port := flag.Int("port", 3000, "TCP port to listen on (127.0.0.1 and ::1)")
	flag.Parse()
	if err := run(*port); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}

func run(port int) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := newServer(log)
	if err != nil {
		return err
	}
	defer srv.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	n := 0
	for _, host := range []string{"127.0.0.1", "::1"} {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			if host == "::1" && n > 0 { // no IPv6 loopback on this machine
				log.Warn("not listening on ::1", "err", err)
				continue
			}
			return err
		}
		n++
		log.Info("listening", "addr", ln.Addr().String())
		go func() { errc <- hs.Serve(ln) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return hs.Shutdown(shut)
}

// server is the conformance http.Handler: two Engine.IO servers, one bare
// echo and one carrying Socket.IO.
type server struct {
	mux  *http.ServeMux
	echo *engine.Server
	sio  *engine.Server
	bus  *bus.Server
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close closes both endpoints and every session.
func (s *server) Close() error {
	return errors.Join(s.bus.Close(), s.sio.Close(), s.echo.Close())
}

// engineConfig is the configuration both endpoints share.
func engineConfig(h transport.Handler, path string, log *slog.Logger) engine.Config {
	return engine.Config{
		Handler:      h,
		Transports:   []engine.Transport{polling.New(polling.Config{}), ws.New(ws.Config{})},
		Path:         path,
		PingInterval: 300 * time.Millisecond,
		PingTimeout:  200 * time.Millisecond,
		MaxPayload:   1_000_000,
		CORS:         &engine.CORSConfig{Origins: []string{"*"}},
		Logger:       log,
	}
}

func newServer(log *slog.Logger) (*server, error) {
	echo, err := engine.NewServer(engineConfig(echoHandler{}, "/engine.io/", log))
	if err != nil {
		return nil, err
	}
	io, err := bus.NewServer(bus.Config{Logger: log, ConnectTimeout: time.Second})
	if err != nil {
		return nil, err
	}
	setup(io)
	sio, err := engine.NewServer(engineConfig(io, "/socket.io/", log))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", echo)
	mux.Handle("/socket.io/", sio)
	return &server{mux: mux, echo: echo, sio: sio, bus: io}, nil
}

// echoHandler is the bare Engine.IO handler: every message goes back as it
// came.
type echoHandler struct{}

func (echoHandler) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (echoHandler) OnMessage(c transport.Conn, m *transport.Message) { _ = c.Send(m) }
func (echoHandler) OnClose(transport.Conn, error)                    {}

func setup(io *bus.Server) {
	sendAuth := func(s *bus.Socket) { _ = s.Emit("auth", s.Handshake().Auth) }
	io.Of("/custom").OnConnection(sendAuth)
	io.Of("/").OnConnection(func(s *bus.Socket) {
		sendAuth(s)
		// e.Args passed as an argument is spliced in: the received arguments
		// go back byte for byte, binary as binary in the same order.
		s.On("message", func(e *bus.Event) { _ = s.Emit("message-back", e.Args) })
		s.On("message-with-ack", func(e *bus.Event) { _ = e.Ack(e.Args) })
		s.On("emit-with-ack", func(e *bus.Event) { go emitWithAck(s, e.Args) })
	})
}

// emitWithAck serves "emit-with-ack" of the socket.io-protocol test suite:
// the arguments go back as an "emit-with-ack" event asking for an ack, and
// the ack's arguments come back as a plain "emit-with-ack" event. It runs on
// its own goroutine (EmitWithAck blocks until the client's next packets are
// read) and ends when the ack arrives or the socket disconnects.
func emitWithAck(s *bus.Socket, args bus.Args) {
	ack, err := s.EmitWithAck(s.Context(), "emit-with-ack", args)
	if err == nil {
		_ = s.Emit("emit-with-ack", ack)
	}
}
