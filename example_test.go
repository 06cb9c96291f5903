package sockbus_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/transporttest"
)

// echo answers every message with the same message.
type echo struct{}

func (echo) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (echo) OnMessage(c transport.Conn, m *transport.Message) { _ = c.Send(m) }
func (echo) OnClose(transport.Conn, error)                    {}

func ExampleNewHandler() {
	h, err := sockbus.NewHandler(echo{}, engine.Config{})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()

	client := &transporttest.Recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := transporttest.Dial(ctx, ts.URL+"/socket.io/", "websocket", client)
	if err != nil {
		panic(err)
	}
	_ = c.Send(transport.NewMessage([]byte("hello"), false))
	client.Wait(5*time.Second, func(m []*transport.Message, _ []error) bool { return len(m) == 1 })
	fmt.Println(string(client.Messages()[0].Data))

	_ = h.Shutdown(ctx)
	client.Wait(5*time.Second, func(_ []*transport.Message, r []error) bool { return len(r) == 1 })
	fmt.Println(client.Reasons()[0])
	// Output:
	// hello
	// transport close
}

func ExampleServe() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- sockbus.Serve(ln, echo{}) }()

	client := &transporttest.Recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := transporttest.Dial(ctx, "http://"+ln.Addr().String()+"/socket.io/", "polling", client)
	if err != nil {
		panic(err)
	}
	_ = c.Send(transport.NewMessage([]byte("hello"), false))
	client.Wait(5*time.Second, func(m []*transport.Message, _ []error) bool { return len(m) == 1 })
	fmt.Println(string(client.Messages()[0].Data))

	ln.Close() // Serve returns, closing connections and sessions
	fmt.Println(errors.Is(<-served, net.ErrClosed))
	_ = c.Close(nil)
	client.Wait(5*time.Second, func(_ []*transport.Message, r []error) bool { return len(r) == 1 })
	// Output:
	// hello
	// true
}
