package transport_test

import (
	"fmt"

	"github.com/sockbus/sockbus/transport"
)

// printer is a Handler that prints what reaches it and signals when closed.
type printer struct {
	name string
	done chan struct{}
}

func (p *printer) OnOpen(c transport.Conn, h transport.Handshake) error {
	fmt.Printf("%s: open over %s\n", p.name, h.Transport)
	return nil
}

func (p *printer) OnMessage(c transport.Conn, m *transport.Message) {
	fmt.Printf("%s: got %q (binary %v)\n", p.name, m.Data, m.Binary)
}

func (p *printer) OnClose(c transport.Conn, reason error) {
	fmt.Printf("%s: closed: %v\n", p.name, reason)
	close(p.done)
}

// Pipe connects two Handlers in memory; what one side sends on its Conn
// reaches the other side's OnMessage, in order.
func ExamplePipe() {
	server := &printer{name: "server", done: make(chan struct{})}
	peer := &printer{name: "peer", done: make(chan struct{})}
	_, pc, err := transport.Pipe(server, peer, transport.PipeConfig{})
	if err != nil {
		panic(err)
	}
	// The peer sends two messages and closes: the server receives both,
	// then learns that the peer closed.
	_ = pc.Send(transport.NewMessage([]byte("hello"), false), transport.NewMessage([]byte{1, 2}, true))
	_ = pc.Close(nil)
	<-server.done
	<-peer.done
	// Unordered output:
	// server: open over pipe
	// peer: open over pipe
	// peer: closed: forced close
	// server: got "hello" (binary false)
	// server: got "\x01\x02" (binary true)
	// server: closed: transport close
}
