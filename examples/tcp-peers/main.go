// Command tcp-peers runs a sockbus server with a raw TCP listener on
// 127.0.0.1 and two Go peers (package client over the engineclient tcp
// dialer) in one process. The peers exchange events and acknowledgements
// through the server; then the server is stopped and started again on the
// same port. The peers reconnect by themselves, and what they emitted while
// it was down (plain events and an event waiting for its acknowledgement)
// arrives at the new server in order.
//
//	go run ./examples/tcp-peers            # a free port
//	go run ./examples/tcp-peers -addr 127.0.0.1:4000
//
// It prints a fixed narrative (the test in main_test.go checks it).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
	"github.com/sockbus/sockbus/transport/tcp"
)

// wait bounds every step of the scenario.
const wait = 10 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP listen address (port 0: a free port)")
	flag.Parse()
	if err := run(os.Stdout, *addr); err != nil {
		log.Fatal(err)
	}
}

// quiet drops the logs of connections refused while the server is down.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// run plays the scenario against a server listening on addr and writes its
// story to w.
func run(w io.Writer, addr string) error {
	notes := make(chan string, 16)
	srv, err := startServer(addr, 1, notes)
	if err != nil {
		return err
	}
	defer func() { _ = srv.stop() }()
	addr = srv.addr // the port stays the same across the restart
	fmt.Fprintln(w, "server 1 listening on tcp")

	alice, err := connect(addr, "alice")
	if err != nil {
		return err
	}
	defer alice.m.Close()
	bob, err := connect(addr, "bob")
	if err != nil {
		return err
	}
	defer bob.m.Close()
	if err := alice.waitConnect(w); err != nil {
		return err
	}
	if err := bob.waitConnect(w); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*wait)
	defer cancel()
	// Client -> server acknowledgement.
	for _, p := range []*peer{alice, bob} {
		args, err := p.s.EmitWithAck(ctx, "greet")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s greeted, server answered: %s\n", p.name, str(args, 0))
	}
	// Peer to peer through the server: alice asks bob, the server asks bob
	// (server -> client acknowledgement) and acknowledges alice with his
	// answer.
	bob.s.On("ask", func(e *client.Event) {
		from, _ := client.Arg[string](e, 0)
		q, _ := client.Arg[string](e, 1)
		bob.lines <- fmt.Sprintf("bob was asked by %s: %s", from, q)
		_ = e.Ack("fine, thanks")
	})
	args, err := alice.s.EmitWithAck(ctx, "ask", "bob", "how are you?")
	if err != nil {
		return err
	}
	if err := bob.show(w, 1); err != nil {
		return err
	}
	fmt.Fprintf(w, "alice got bob's answer: %s\n", str(args, 0))

	// The server goes away; the peers notice and keep trying.
	if err := srv.stop(); err != nil {
		return err
	}
	fmt.Fprintln(w, "server 1 stopped")
	for _, p := range []*peer{alice, bob} {
		if err := p.show(w, 1); err != nil {
			return err
		}
	}

	// Emits while disconnected are buffered, in order.
	for i, text := range []string{"first note", "second note"} {
		if err := alice.s.Emit("note", text); err != nil {
			return err
		}
		fmt.Fprintf(w, "alice emitted note %d while offline\n", i+1)
	}
	acked := make(chan string, 1)
	go func() {
		args, err := bob.s.EmitWithAck(ctx, "greet")
		if err != nil {
			acked <- "bob's greeting failed: " + err.Error()
			return
		}
		acked <- "bob's offline greeting answered: " + str(args, 0)
	}()
	fmt.Fprintln(w, "bob greeted while offline")
	// Let the peers' failed redials show before the restart (they are not
	// printed: their number depends on timing).
	for _, p := range []*peer{alice, bob} {
		if err := p.waitAttempt(); err != nil {
			return err
		}
	}

	srv, err = startServer(addr, 2, notes)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "server 2 listening on the same port")
	if err := alice.waitConnect(w); err != nil {
		return err
	}
	if err := bob.waitConnect(w); err != nil {
		return err
	}
	var got []string
	for range 2 {
		select {
		case n := <-notes:
			got = append(got, n)
		case <-time.After(wait):
			return errors.New("buffered notes did not arrive")
		}
	}
	for _, n := range got { // in emission order: one connection, one socket
		fmt.Fprintln(w, n)
	}
	select {
	case l := <-acked:
		fmt.Fprintln(w, l)
	case <-time.After(wait):
		return errors.New("bob's offline greeting was not answered")
	}
	return nil
}

// str decodes argument i of args as a string ("?" if it is not one).
func str(args client.Args, i int) string {
	var s string
	if err := args.Decode(i, &s); err != nil {
		return "?"
	}
	return s
}

// server is one run of the sockbus server: a bus, its Engine.IO server and
// a TCP listener sharing the engine's sessions.
type server struct {
	addr   string
	bus    *bus.Server
	http   *sockbus.Handler
	tcp    *tcp.Server
	cancel context.CancelFunc
	served chan error
	asks   sync.WaitGroup // relays waiting for an acknowledgement
}

// startServer starts server run number gen on addr; "note" events are
// reported on notes.
func startServer(addr string, gen int, notes chan<- string) (*server, error) {
	b, err := bus.NewServer(bus.Config{Logger: quiet})
	if err != nil {
		return nil, err
	}
	s := &server{bus: b, served: make(chan error, 1)}
	s.handle(gen, notes)
	// sockbus.NewHandler builds the engine (it could also serve browsers
	// over HTTP); the TCP server opens its sessions on the same engine.
	s.http, err = sockbus.NewHandler(b, engine.Config{Logger: quiet})
	if err != nil {
		return nil, err
	}
	s.tcp, err = tcp.NewServer(tcp.Config{Engine: s.http.Server})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.served <- s.tcp.Serve(ctx, ln) }()
	return s, nil
}

// handle installs the server's event handlers.
func (s *server) handle(gen int, notes chan<- string) {
	nsp := s.bus.Of("/")
	nsp.OnConnection(func(so *bus.Socket) {
		var auth struct{ Name string }
		_ = json.Unmarshal(so.Handshake().Auth, &auth)
		so.Join(auth.Name) // a room per peer name, for "ask"
		so.On("greet", func(e *bus.Event) {
			_ = e.Ack(fmt.Sprintf("hello %s, from server %d", auth.Name, gen))
		})
		so.On("note", func(e *bus.Event) {
			text, _ := bus.Arg[string](e, 0)
			notes <- fmt.Sprintf("server %d got %s's note: %s", gen, auth.Name, text)
		})
		so.On("ask", func(e *bus.Event) {
			to, _ := bus.Arg[string](e, 0)
			q, _ := bus.Arg[string](e, 1)
			// A handler must not wait for an acknowledgement: relay from
			// a goroutine that stop waits for.
			s.asks.Add(1)
			go func() {
				defer s.asks.Done()
				ctx, cancel := context.WithTimeout(so.Context(), wait)
				defer cancel()
				replies, err := nsp.To(to).EmitWithAck(ctx, "ask", auth.Name, q)
				if err != nil || len(replies) != 1 {
					_ = e.Ack(fmt.Sprintf("no answer from %s", to))
					return
				}
				var answer string
				_ = replies[0].Decode(0, &answer)
				_ = e.Ack(answer)
			}()
		})
	})
}

// stop closes the listener, every session and the bus, and waits for their
// goroutines. It may be called more than once.
func (s *server) stop() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	s.cancel = nil
	err := <-s.served
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_ = s.bus.Close()
	err = errors.Join(err, s.http.Shutdown(ctx), s.tcp.Close())
	s.asks.Wait()
	return err
}

// peer is a Go client over TCP; what it observes is reported on lines.
type peer struct {
	name     string
	m        *client.Manager
	s        *client.Socket
	lines    chan string
	connects chan struct{}
	attempts chan struct{}
}

// connect starts a peer named name dialing addr over TCP.
func connect(addr, name string) (*peer, error) {
	d := &engineclient.Dialer{URL: "tcp://" + addr, Logger: quiet}
	m, err := client.New(client.Config{
		Dial:                 d.Dial,
		ReconnectionDelay:    50 * time.Millisecond,
		ReconnectionDelayMax: 200 * time.Millisecond,
		Logger:               quiet,
	})
	if err != nil {
		return nil, err
	}
	p := &peer{
		name:     name,
		m:        m,
		s:        m.Socket("/", client.SocketConfig{Auth: map[string]string{"name": name}}),
		lines:    make(chan string, 16),
		connects: make(chan struct{}, 4),
		attempts: make(chan struct{}, 1),
	}
	p.s.On("connect", func(*client.Event) { p.connects <- struct{}{} })
	p.s.On("disconnect", func(*client.Event) { p.lines <- name + " lost the server, reconnecting" })
	m.On("reconnect_attempt", func(*client.Event) {
		select {
		case p.attempts <- struct{}{}:
		default:
		}
	})
	p.s.Connect()
	return p, nil
}

// waitConnect waits for the peer's next "connect" and reports it.
func (p *peer) waitConnect(w io.Writer) error {
	select {
	case <-p.connects:
		fmt.Fprintf(w, "%s connected\n", p.name)
		return nil
	case <-time.After(wait):
		return fmt.Errorf("%s: no connect", p.name)
	}
}

// waitAttempt waits for a reconnection attempt.
func (p *peer) waitAttempt() error {
	select {
	case <-p.attempts:
		return nil
	case <-time.After(wait):
		return fmt.Errorf("%s: no reconnection attempt", p.name)
	}
}

// show writes the peer's next n lines.
func (p *peer) show(w io.Writer, n int) error {
	var got []string
	for range n {
		select {
		case l := <-p.lines:
			got = append(got, l)
		case <-time.After(wait):
			return fmt.Errorf("%s: waiting for %d lines, got %q", p.name, n, got)
		}
	}
	for _, l := range got {
		fmt.Fprintln(w, l)
	}
	return nil
}
