package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport"
)

// Example connects a client to an in-process bus server: the Dial function
// opens a transport.Pipe, so no network is involved.
func Example() {
	srv, _ := bus.NewServer(bus.Config{})
	defer srv.Close()
	srv.Of("/").OnConnection(func(s *bus.Socket) {
		_ = s.Emit("welcome", "hello from the server")
		s.On("add", func(e *bus.Event) {
			a, _ := bus.Arg[int](e, 0)
			b, _ := bus.Arg[int](e, 1)
			_ = e.Ack(a + b)
		})
	})

	m, _ := client.New(client.Config{Dial: func(_ context.Context, h transport.Handler) (transport.Conn, error) {
		c, _, err := transport.Pipe(h, srv, transport.PipeConfig{})
		return c, err
	}})
	defer m.Close()
	s := m.Socket("/", client.SocketConfig{})
	welcomed := make(chan string, 1)
	client.On1(s, "welcome", func(_ *client.Event, msg string, _ error) { welcomed <- msg })
	s.Connect()
	fmt.Println(<-welcomed)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	args, err := s.EmitWithAck(ctx, "add", 2, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	var sum int
	_ = args.Decode(0, &sum)
	fmt.Println("2 + 3 =", sum)
	// Output:
	// hello from the server
	// 2 + 3 = 5
}

// ExampleSocket_Volatile shows that a volatile emit is dropped, not
// buffered, while the socket is not connected, whereas a plain emit waits
// for the connection.
func ExampleSocket_Volatile() {
	m, _ := client.New(client.Config{Dial: func(context.Context, transport.Handler) (transport.Conn, error) {
		return nil, fmt.Errorf("offline")
	}, NoReconnect: true})
	defer m.Close()
	s := m.Socket("/", client.SocketConfig{})
	fmt.Println(s.Volatile().Emit("position", 1, 2))
	fmt.Println(s.Emit("message", "kept for later"))
	// Output:
	// client: emit "position": client: socket not connected
	// <nil>
}
