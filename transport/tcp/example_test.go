package tcp_test

import (
	"context"
	"fmt"
	"net"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/tcp"
)

// echo is a server Handler that sends every message back.
type echo struct{}

func (echo) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (echo) OnMessage(c transport.Conn, m *transport.Message) { _ = c.Send(m) }
func (echo) OnClose(transport.Conn, error)                    {}

// printer is a client Handler that hands messages to a channel.
type printer chan string

func (printer) OnOpen(transport.Conn, transport.Handshake) error   { return nil }
func (p printer) OnMessage(_ transport.Conn, m *transport.Message) { p <- string(m.Data) }
func (printer) OnClose(transport.Conn, error)                      {}

// Example serves an engine's sessions over TCP and talks to it with
// engineclient.
func Example() {
	eng, _ := engine.NewServer(engine.Config{Handler: echo{}, Transports: []engine.Transport{polling.New(polling.Config{})}})
	defer eng.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error)
	go func() { served <- tcp.Serve(ctx, ln, tcp.Config{Engine: eng}) }()
	defer func() { cancel(); <-served }()

	got := make(printer, 1)
	d := &engineclient.Dialer{URL: "tcp://" + ln.Addr().String()}
	c, err := d.Dial(ctx, got)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(nil)
	_ = c.Send(transport.NewMessage([]byte("hello over tcp"), false))
	fmt.Println(<-got)
	// Output: hello over tcp
}
