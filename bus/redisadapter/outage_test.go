package redisadapter_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
	"github.com/sockbus/sockbus/bus/redisadapter"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// privateRedis is a redis-server of the test's own, on a fixed port, that
// can be stopped and started again.
type privateRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func newPrivateRedis(t *testing.T) *privateRedis {
	redisAddr(t) // skip or fail like the other Redis tests
	if _, err := exec.LookPath("redis-server"); err != nil {
		adaptertest.NoPeer(t, "redis-server not on PATH (apt-get install redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	r := &privateRedis{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *privateRedis) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	waitFor(r.t, "redis-server up", func() bool {
		c, err := net.Dial("tcp", r.addr())
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
}

func (r *privateRedis) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// events is an in-process client recording the names of events it gets.
type events struct {
	dec codec.Decoder
	got chan string
}

func (e *events) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (e *events) OnClose(transport.Conn, error)                    {}
func (e *events) OnMessage(_ transport.Conn, m *transport.Message) {
	if pkt, err := e.dec.Feed(m.Data, m.Binary); err == nil && pkt != nil && pkt.Type == codec.Event {
		name, _, _ := codec.EventName(pkt.Data)
		e.got <- name
	}
}

func dialPipe(t *testing.T, s *bus.Server) *events {
	e := &events{got: make(chan string, 256)}
	conn, _, err := transport.Pipe(e, s, transport.PipeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(nil) })
	if err := conn.Send(transport.NewMessage([]byte("0"), false)); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRedisOutage stops Redis mid-traffic: operations fail with errors
// naming Redis, nothing panics, and once Redis is back (same port) the
// subscriptions are restored and broadcasts flow again.
func TestRedisOutage(t *testing.T) {
	r := newPrivateRedis(t)
	var servers []*bus.Server
	for range 2 {
		s, err := bus.NewServer(bus.Config{NewAdapter: redisadapter.New(redisadapter.Config{
			Addr: r.addr(), RequestsTimeout: time.Second})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		servers = append(servers, s)
	}
	ns0 := servers[0].Of("/")
	ctx := context.Background()
	waitFor(t, "2 servers", func() bool { n, err := ns0.ServerCount(ctx); return err == nil && n == 2 })
	connected := make(chan struct{}, 1)
	servers[1].Of("/").OnConnection(func(*bus.Socket) { connected <- struct{}{} })
	remote := dialPipe(t, servers[1])
	<-connected

	// until emits ev from server 0 until the client on server 1 gets it.
	until := func(ev string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			_ = ns0.Emit(ev)
			select {
			case got := <-remote.got:
				if got == ev {
					return
				}
			case <-time.After(200 * time.Millisecond):
			}
		}
		t.Fatalf("%s never arrived", ev)
	}
	until("before")

	r.stop()
	// Broadcasts are queued without waiting while Redis is healthy (as Node
	// publishes them); once a publish failed, they report the outage.
	var err error
	waitFor(t, "a broadcast failing", func() bool { err = ns0.Emit("during"); return err != nil })
	if !strings.Contains(err.Error(), "redisadapter:") {
		t.Fatalf("broadcast during outage: %v", err)
	}
	t.Logf("broadcast during outage: %v", err)
	_, err = ns0.FetchSockets(ctx)
	if err == nil || !strings.Contains(err.Error(), "Redis unreachable") {
		t.Fatalf("fetch during outage: %v", err)
	}
	t.Logf("fetch during outage: %v", err)
	if _, err := ns0.ServerSideEmitWithAck(ctx, "x"); err == nil {
		t.Fatal("server-side emit with ack during the outage succeeded")
	}

	r.start()
	until("after")
	waitFor(t, "2 servers again", func() bool { n, err := ns0.ServerCount(ctx); return err == nil && n == 2 })
	got, err := ns0.FetchSockets(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("fetch after outage: %d, %v", len(got), err)
	}
}
