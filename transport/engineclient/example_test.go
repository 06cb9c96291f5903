package engineclient_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/ws"
)

type echo struct{}

func (echo) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (echo) OnMessage(c transport.Conn, m *transport.Message) { _ = c.Send(m) }
func (echo) OnClose(transport.Conn, error)                    {}

type printer struct {
	msgs   chan string
	closed chan error
}

func (printer) OnOpen(transport.Conn, transport.Handshake) error   { return nil }
func (p printer) OnMessage(_ transport.Conn, m *transport.Message) { p.msgs <- string(m.Data) }
func (p printer) OnClose(_ transport.Conn, err error)              { p.closed <- err }

// ExampleDialer_Dial opens a session over long-polling (upgraded to
// WebSocket) and exchanges a message.
func ExampleDialer_Dial() {
	eng, _ := engine.NewServer(engine.Config{Handler: echo{},
		Transports: []engine.Transport{polling.New(polling.Config{}), ws.New(ws.Config{})}})
	srv := httptest.NewServer(eng)
	defer srv.Close()
	defer eng.Close()

	p := printer{msgs: make(chan string, 1), closed: make(chan error, 1)}
	d := &engineclient.Dialer{URL: srv.URL, Path: "/engine.io/"}
	c, err := d.Dial(context.Background(), p)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = c.Send(transport.NewMessage([]byte("hello"), false))
	fmt.Println(<-p.msgs)
	_ = c.Close(nil)
	fmt.Println(<-p.closed)
	// Output:
	// hello
	// forced close
}
