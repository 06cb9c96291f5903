// Command inprocess runs a sockbus server and three Socket.IO clients in one
// process, connected by transport.Pipe (no network, no JSON: events travel as
// Go values). It shows rooms (join, to, except), acknowledgements in both
// directions and a broadcast, and prints what happens in a fixed order.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run plays the scenario and writes its story to w.
func run(w io.Writer) error {
	srv, err := bus.NewServer(bus.Config{})
	if err != nil {
		return err
	}
	defer srv.Close()
	serve(srv)

	lines := make(chan string, 64)
	var peers []*peer
	for _, name := range []string{"alice", "bob", "carol"} {
		p, err := connect(srv, name, lines)
		if err != nil {
			return err
		}
		defer p.m.Close()
		peers = append(peers, p)
		fmt.Fprintf(w, "%s connected\n", name)
	}
	alice, bob, carol := peers[0], peers[1], peers[2]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// Client -> server acknowledgements: the server answers each join.
	for _, j := range []struct {
		p    *peer
		room string
	}{{alice, "lobby"}, {bob, "lobby"}, {carol, "kitchen"}} {
		args, err := j.p.s.EmitWithAck(ctx, "join", j.room)
		if err != nil {
			return err
		}
		reply, _ := client.Arg[string](&client.Event{Args: args}, 0)
		fmt.Fprintf(w, "%s: %s\n", j.p.name, reply)
	}

	// To a room: the server relays alice's message to the lobby except her.
	if err := alice.s.Emit("chat", "lobby", "hi lobby"); err != nil {
		return err
	}
	show(w, lines, 1)

	// A broadcast to everyone, then to everyone except the lobby.
	if err := srv.Of("/").Emit("news", "maintenance at noon"); err != nil {
		return err
	}
	show(w, lines, 3)
	if err := srv.Of("/").Except("lobby").Emit("news", "the kitchen is closed"); err != nil {
		return err
	}
	show(w, lines, 1)

	// Server -> client acknowledgement: the server asks bob and waits.
	ss := srv.Of("/").Socket(bob.s.ID())
	args, err := ss.EmitWithAck(ctx, "ping?", "are you there")
	if err != nil {
		return err
	}
	show(w, lines, 1)
	answer, _ := bus.Arg[string](&bus.Event{Args: args}, 0)
	fmt.Fprintf(w, "server got bob's answer: %s\n", answer)
	return nil
}

// serve installs the server's handlers: join a room (acknowledged) and chat
// to a room.
func serve(srv *bus.Server) {
	srv.Of("/").OnConnection(func(s *bus.Socket) {
		var auth struct{ Name string }
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		s.On("join", func(e *bus.Event) {
			room, _ := bus.Arg[string](e, 0)
			s.Join(room)
			_ = e.Ack("joined " + room)
		})
		s.On("chat", func(e *bus.Event) {
			room, _ := bus.Arg[string](e, 0)
			msg, _ := bus.Arg[string](e, 1)
			_ = s.To(room).Emit("chat", auth.Name, msg)
		})
	})
}

type peer struct {
	name string
	m    *client.Manager
	s    *client.Socket
}

// connect opens a client named name to srv over a Pipe; what it receives is
// reported on lines.
func connect(srv *bus.Server, name string, lines chan<- string) (*peer, error) {
	m, err := client.New(client.Config{Dial: func(_ context.Context, h transport.Handler) (transport.Conn, error) {
		c, _, err := transport.Pipe(h, srv, transport.PipeConfig{})
		return c, err
	}})
	if err != nil {
		return nil, err
	}
	s := m.Socket("/", client.SocketConfig{Auth: map[string]string{"name": name}})
	client.On2(s, "chat", func(_ *client.Event, from, msg string, _ error) {
		lines <- fmt.Sprintf("%s got chat from %s: %s", name, from, msg)
	})
	client.On1(s, "news", func(_ *client.Event, msg string, _ error) {
		lines <- fmt.Sprintf("%s got news: %s", name, msg)
	})
	client.On1(s, "ping?", func(e *client.Event, q string, _ error) {
		lines <- fmt.Sprintf("%s was asked: %s", name, q)
		_ = e.Ack("yes, " + name + " is here")
	})
	connected := make(chan error, 1)
	s.Once("connect", func(*client.Event) { connected <- nil })
	s.Once("connect_error", func(e *client.Event) { connected <- e.Err })
	s.Connect()
	select {
	case err := <-connected:
		if err != nil {
			m.Close()
			return nil, err
		}
	case <-time.After(5 * time.Second):
		m.Close()
		return nil, fmt.Errorf("%s: connect timed out", name)
	}
	return &peer{name: name, m: m, s: s}, nil
}

// show writes the next n lines, sorted (deliveries to different clients
// race each other), or notes a timeout.
func show(w io.Writer, lines <-chan string, n int) {
	var got []string
	for range n {
		select {
		case l := <-lines:
			got = append(got, l)
		case <-time.After(5 * time.Second):
			got = append(got, "timeout")
		}
	}
	slices.Sort(got)
	for _, l := range got {
		fmt.Fprintln(w, l)
	}
}
