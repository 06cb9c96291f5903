package bus_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/transport"
)

// rawClient is a tiny hand-written Socket.IO client: it sends packets as
// text and prints what the server sends (Socket.IO packets, without the
// Engine.IO "4" the transports add). The socket id of CONNECT replies is
// masked because it is random.
type rawClient struct {
	conn transport.Conn
	got  chan string
	done chan struct{}
}

func (c *rawClient) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (c *rawClient) OnClose(transport.Conn, error)                    { close(c.done) }
func (c *rawClient) OnMessage(_ transport.Conn, m *transport.Message) {
	if m.Binary {
		c.got <- fmt.Sprintf("<binary % x>", m.Data)
		return
	}
	s := string(m.Data)
	if i := strings.Index(s, `{"sid":"`); i >= 0 && s[0] == '0' {
		s = s[:i] + `{"sid":"…"}`
	}
	c.got <- s
}

func dialRaw(s *bus.Server) *rawClient {
	c := &rawClient{got: make(chan string, 16), done: make(chan struct{})}
	c.conn, _, _ = transport.Pipe(c, s, transport.PipeConfig{})
	return c
}

func (c *rawClient) send(packet string) {
	_ = c.conn.Send(transport.NewMessage([]byte(packet), false))
}

func (c *rawClient) print(n int) {
	for range n {
		select {
		case s := <-c.got:
			fmt.Println(s)
		case <-time.After(5 * time.Second):
			fmt.Println("timeout")
		}
	}
}

func (c *rawClient) close() {
	_ = c.conn.Close(nil)
	<-c.done
}

func Example() {
	srv, _ := bus.NewServer(bus.Config{})
	defer srv.Close()
	srv.Of("/").OnConnection(func(s *bus.Socket) {
		_ = s.Emit("welcome", "hi")
		s.On("add", func(e *bus.Event) {
			a, _ := bus.Arg[int](e, 0)
			b, _ := bus.Arg[int](e, 1)
			_ = e.Ack(a + b)
		})
	})

	c := dialRaw(srv)
	defer c.close()
	c.send(`0`)             // CONNECT to "/"
	c.print(2)              // the reply, then the welcome event
	c.send(`21["add",1,2]`) // EVENT "add" with ack id 1
	c.print(1)
	// Output:
	// 0{"sid":"…"}
	// 2["welcome","hi"]
	// 31[3]
}

// Passing e.Args as an argument re-sends the received arguments unchanged:
// key order and large integers kept, binary as binary.
func ExampleSocket_Emit_echo() {
	srv, _ := bus.NewServer(bus.Config{})
	defer srv.Close()
	srv.Of("/").OnConnection(func(s *bus.Socket) {
		s.On("message", func(e *bus.Event) { _ = s.Emit("message-back", e.Args) })
		s.On("message-with-ack", func(e *bus.Event) { _ = e.Ack([]byte("mine"), e.Args) })
	})

	c := dialRaw(srv)
	defer c.close()
	c.send(`0`)
	c.print(1)
	c.send(`2["message",{"z":1,"a":12345678901234567890}]`)
	c.print(1)
	c.send(`51-4["message-with-ack",{"z":{"_placeholder":true,"num":0}}]`)
	_ = c.conn.Send(transport.NewMessage([]byte{0xca, 0xfe}, true))
	c.print(3)
	// Output:
	// 0{"sid":"…"}
	// 2["message-back",{"z":1,"a":12345678901234567890}]
	// 62-4[{"_placeholder":true,"num":0},{"z":{"_placeholder":true,"num":1}}]
	// <binary 6d 69 6e 65>
	// <binary ca fe>
}

func ExampleNamespace_Use() {
	srv, _ := bus.NewServer(bus.Config{})
	defer srv.Close()
	admin := srv.Of("/admin")
	admin.Use(func(s *bus.Socket) error {
		if !strings.Contains(string(s.Handshake().Auth), `"token"`) {
			return &bus.ConnectError{Message: "unauthorized", Data: map[string]string{"reason": "no token"}}
		}
		return nil
	})

	c := dialRaw(srv)
	defer c.close()
	c.send(`0/admin,{}`)
	c.print(1)
	c.send(`0/admin,{"token":"t"}`)
	c.print(1)
	// Output:
	// 4/admin,{"message":"unauthorized","data":{"reason":"no token"}}
	// 0/admin,{"sid":"…"}
}

func ExampleBroadcast() {
	srv, _ := bus.NewServer(bus.Config{})
	defer srv.Close()
	sockets := make(chan *bus.Socket, 2)
	srv.Of("/").OnConnection(func(s *bus.Socket) { sockets <- s })

	alice, bob := dialRaw(srv), dialRaw(srv)
	defer alice.close()
	defer bob.close()
	alice.send(`0`)
	alice.print(1)
	a := <-sockets
	bob.send(`0`)
	bob.print(1)
	b := <-sockets
	a.Join("lobby")
	b.Join("lobby")

	_ = a.To("lobby").Emit("chat", "hello from alice") // everyone in lobby but alice
	bob.print(1)
	_ = srv.Of("/").To("lobby").Emit("news", []byte{1, 2}) // binary: a placeholder and an attachment
	alice.print(2)
	// Output:
	// 0{"sid":"…"}
	// 0{"sid":"…"}
	// 2["chat","hello from alice"]
	// 51-["news",{"_placeholder":true,"num":0}]
	// <binary 01 02>
}

func ExampleSocket_EmitWithAck() {
	srv, _ := bus.NewServer(bus.Config{})
	defer srv.Close()
	sockets := make(chan *bus.Socket, 1)
	srv.Of("/").OnConnection(func(s *bus.Socket) { sockets <- s })
	c := dialRaw(srv)
	defer c.close()
	c.send(`0`)
	c.print(1)
	s := <-sockets

	reply := make(chan string, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		args, err := s.EmitWithAck(ctx, "question")
		if err != nil {
			reply <- err.Error()
			return
		}
		answer, _ := args.Any()
		reply <- fmt.Sprint(answer)
	}()
	c.print(1)          // the event, with ack id 0
	c.send(`30["yes"]`) // the client's acknowledgement
	fmt.Println(<-reply)
	// Output:
	// 0{"sid":"…"}
	// 20["question"]
	// [yes]
}

func ExampleNewMemoryCluster() {
	cluster := bus.NewMemoryCluster()
	a, _ := bus.NewServer(bus.Config{NewAdapter: cluster.Adapter})
	b, _ := bus.NewServer(bus.Config{NewAdapter: cluster.Adapter})
	defer a.Close()
	defer b.Close()

	c := dialRaw(b) // the client is on server b
	defer c.close()
	c.send(`0`)
	c.print(1)

	_ = a.Of("/").Emit("from-a", 1) // server a reaches it through the cluster
	c.print(1)
	n, _ := a.Of("/").ServerCount(context.Background())
	fmt.Println("servers:", n)
	// Output:
	// 0{"sid":"…"}
	// 2["from-a",1]
	// servers: 2
}
