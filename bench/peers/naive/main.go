// Command naive is the "floor of naive Go" peer for the sockbus load harness:
// a bare github.com/lxzan/gws server that speaks just enough Engine.IO v4 /
// Socket.IO v5 over WebSocket for the harness (open packet, ping, CONNECT to
// "/", events and acks), decodes arguments with encoding/json, and sends
// with one synchronous WriteMessage per message per recipient.
//
// Each write carries a deadline so that a client that stops reading cannot
// wedge the broadcasting goroutine forever; such a client is dropped.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lxzan/gws"
)

const (
	pingInterval = 25 * time.Second
	pingTimeout  = 20 * time.Second
	writeTimeout = 5 * time.Second
)

type client struct {
	conn *gws.Conn
	sid  string
}

type server struct {
	mu    sync.Mutex
	all   map[*client]struct{}
	rooms map[string]map[*client]struct{}
	// snap caches the slice of all clients; rebuilt after a change.
	snap []*client
}

func newServer() *server {
	return &server{all: map[*client]struct{}{}, rooms: map[string]map[*client]struct{}{}}
}

func (s *server) add(c *client) {
	s.mu.Lock()
	s.all[c] = struct{}{}
	s.snap = nil
	s.mu.Unlock()
}

func (s *server) remove(c *client) {
	s.mu.Lock()
	if _, ok := s.all[c]; ok {
		delete(s.all, c)
		s.snap = nil
	}
	for name, m := range s.rooms {
		delete(m, c)
		if len(m) == 0 {
			delete(s.rooms, name)
		}
	}
	s.mu.Unlock()
}

func (s *server) everyone() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap == nil {
		s.snap = make([]*client, 0, len(s.all))
		for c := range s.all {
			s.snap = append(s.snap, c)
		}
	}
	return s.snap
}

func (s *server) join(c *client, room string) {
	s.mu.Lock()
	m := s.rooms[room]
	if m == nil {
		m = map[*client]struct{}{}
		s.rooms[room] = m
	}
	m[c] = struct{}{}
	s.mu.Unlock()
}

func (s *server) members(room string) []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.rooms[room]))
	for c := range s.rooms[room] {
		out = append(out, c)
	}
	return out
}

func send(c *client, frame []byte) {
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := c.conn.WriteMessage(gws.OpcodeText, frame); err != nil {
		_ = c.conn.NetConn().Close()
	}
}

func (s *server) sendAll(list []*client, frame []byte) {
	for _, c := range list {
		send(c, frame)
	}
}

func randID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// OnOpen sends the Engine.IO open packet.
func (s *server) OnOpen(conn *gws.Conn) {
	c := &client{conn: conn, sid: randID()}
	conn.Session().Store("c", c)
	open := fmt.Sprintf(`0{"sid":%q,"upgrades":[],"pingInterval":%d,"pingTimeout":%d,"maxPayload":1000000}`,
		randID(), pingInterval.Milliseconds(), pingTimeout.Milliseconds())
	send(c, []byte(open))
	_ = conn.SetReadDeadline(time.Now().Add(pingInterval + pingTimeout + 45*time.Second))
}

// OnClose forgets the client.
func (s *server) OnClose(conn *gws.Conn, err error) {
	if v, ok := conn.Session().Load("c"); ok {
		s.remove(v.(*client))
	}
}

// OnPing answers WebSocket pings.
func (s *server) OnPing(conn *gws.Conn, payload []byte) { _ = conn.WritePong(payload) }

// OnPong ignores WebSocket pongs.
func (s *server) OnPong(conn *gws.Conn, payload []byte) {}

// OnMessage handles one Engine.IO packet.
func (s *server) OnMessage(conn *gws.Conn, m *gws.Message) {
	defer m.Close()
	v, ok := conn.Session().Load("c")
	if !ok {
		return
	}
	c := v.(*client)
	b := m.Bytes()
	if len(b) == 0 {
		return
	}
	switch b[0] {
	case '3': // pong
		_ = conn.SetReadDeadline(time.Now().Add(pingInterval + pingTimeout))
		return
	case '4':
	default:
		return
	}
	p := b[1:]
	if len(p) == 0 {
		return
	}
	switch p[0] {
	case '0': // CONNECT "/"
		s.add(c)
		send(c, []byte(`40{"sid":"`+c.sid+`"}`))
	case '1':
		s.remove(c)
	case '2':
		s.event(c, p[1:])
	}
}

func (s *server) event(c *client, p []byte) {
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	ackID := -1
	if i > 0 {
		ackID, _ = strconv.Atoi(string(p[:i]))
	}
	var args []json.RawMessage
	if err := json.Unmarshal(p[i:], &args); err != nil || len(args) == 0 {
		_ = c.conn.NetConn().Close()
		return
	}
	var name string
	if err := json.Unmarshal(args[0], &name); err != nil {
		_ = c.conn.NetConn().Close()
		return
	}
	args = args[1:]
	arg := func(i int) json.RawMessage {
		if i < len(args) {
			return args[i]
		}
		return json.RawMessage("null")
	}
	switch name {
	case "echo":
		if ackID >= 0 {
			send(c, []byte("43"+strconv.Itoa(ackID)+"["+string(arg(0))+"]"))
		}
	case "bcast":
		s.sendAll(s.everyone(), []byte(`42["msg",`+string(arg(0))+`]`))
	case "join":
		var room string
		_ = json.Unmarshal(arg(0), &room)
		s.join(c, room)
		if ackID >= 0 {
			send(c, []byte("43"+strconv.Itoa(ackID)+"[]"))
		}
	case "room":
		var room string
		_ = json.Unmarshal(arg(0), &room)
		s.sendAll(s.members(room), []byte(`42["msg",`+string(arg(1))+`]`))
	}
}

func (s *server) pingLoop() {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for range t.C {
		s.sendAll(s.everyone(), []byte("2"))
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()
	s := newServer()
	up := gws.NewUpgrader(s, &gws.ServerOption{ReadMaxPayloadSize: 1000000})
	mux := http.NewServeMux()
	mux.HandleFunc("/socket.io/", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("EIO") != "4" || q.Get("transport") != "websocket" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		conn, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go conn.ReadLoop()
	})
	go s.pingLoop()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}()
	fmt.Fprintf(os.Stderr, "naive gws peer listening on %s\n", *addr)
	log.Fatal((&http.Server{Addr: *addr, Handler: mux}).ListenAndServe())
}
