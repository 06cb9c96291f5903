// Command cluster runs two sockbus servers on two ports sharing a Redis
// (bus/redisadapter, compatible with Node's @socket.io/redis-adapter), puts
// a network client on each (Engine.IO over WebSocket via
// transport/engineclient, speaking raw Socket.IO packets), and shows a
// broadcast from server A reaching both clients.
//
//	REDIS_ADDR=127.0.0.1:6379 go run ./examples/cluster
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/redisadapter"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
)

func main() {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if err := run(os.Stdout, addr); err != nil {
		log.Fatal(err)
	}
}

// node is one sockbus server listening on its own port.
type node struct {
	name string
	srv  *bus.Server
	h    *sockbus.Handler
	http *http.Server
	url  string
}

func startNode(name, redisAddr, prefix string) (*node, error) {
	srv, err := bus.NewServer(bus.Config{NewAdapter: redisadapter.New(redisadapter.Config{Addr: redisAddr, Prefix: prefix})})
	if err != nil {
		return nil, err
	}
	h, err := sockbus.NewHandler(srv, engine.Config{})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	n := &node{name: name, srv: srv, h: h, http: &http.Server{Handler: h}, url: "http://" + l.Addr().String()}
	go func() { _ = n.http.Serve(l) }()
	return n, nil
}

func (n *node) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = n.h.Shutdown(ctx)
	_ = n.http.Shutdown(ctx)
	_ = n.srv.Close()
}

// client is a minimal Socket.IO client: it connects to "/" and reports
// the events it receives.
type client struct {
	name      string
	dec       codec.Decoder
	connected chan struct{}
	events    chan string
}

func (c *client) OnOpen(conn transport.Conn, _ transport.Handshake) error {
	return conn.Send(transport.NewMessage([]byte("0"), false)) // CONNECT "/"
}

func (c *client) OnClose(transport.Conn, error) {}

func (c *client) OnMessage(_ transport.Conn, m *transport.Message) {
	pkt, err := c.dec.Feed(m.Data, m.Binary)
	if err != nil || pkt == nil {
		return
	}
	switch pkt.Type {
	case codec.Connect:
		c.connected <- struct{}{}
	case codec.Event:
		c.events <- fmt.Sprintf("%s got %s", c.name, pkt.Data)
	}
}

func run(w io.Writer, redisAddr string) error {
	prefix := fmt.Sprintf("sockbus-example-cluster-%d", time.Now().UnixNano())
	a, err := startNode("A", redisAddr, prefix)
	if err != nil {
		return err
	}
	defer a.close()
	b, err := startNode("B", redisAddr, prefix)
	if err != nil {
		return err
	}
	defer b.close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var clients []*client
	for _, n := range []*node{a, b} {
		c := &client{name: "client on " + n.name, connected: make(chan struct{}, 1), events: make(chan string, 8)}
		d := &engineclient.Dialer{URL: n.url, Transports: []string{"websocket"}}
		conn, err := d.Dial(ctx, c)
		if err != nil {
			return fmt.Errorf("dial %s: %w", n.name, err)
		}
		defer conn.Close(nil)
		select {
		case <-c.connected:
		case <-ctx.Done():
			return fmt.Errorf("connect to %s: %w", n.name, ctx.Err())
		}
		clients = append(clients, c)
	}
	for {
		n, err := a.srv.Of("/").ServerCount(ctx)
		if err != nil {
			return err
		}
		if n == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintln(w, "servers in the cluster: 2")

	if err := a.srv.Of("/").Emit("hello", "from server A"); err != nil {
		return err
	}
	var lines []string
	for _, c := range clients {
		select {
		case l := <-c.events:
			lines = append(lines, l)
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", c.name, ctx.Err())
		}
	}
	sort.Strings(lines)
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	return nil
}
