package ws_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/transporttest"
	"github.com/sockbus/sockbus/transport/ws"
)

// BenchmarkBroadcastServer measures the server side of a broadcast alone:
// n WebSocket sessions over loopback TCP whose clients only discard bytes
// (no frame parsing), and one shared Message sent to every session per op.
// An op ends when every client has received its frame. The clients run in
// a child process (the test binary, see TestBenchClients), so the reported
// cpu-ns/recipient is the server's CPU alone; ns/recipient is wall time.
func BenchmarkBroadcastServer(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchBroadcastServer(b, n) })
	}
}

func benchBroadcastServer(b *testing.B, n int) {
	h := nopHandler{conns: make(chan transport.Conn, n)}
	srv, err := engine.NewServer(engine.Config{Handler: h, Transports: []engine.Transport{ws.New(ws.Config{})},
		PingInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer srv.Close()
	defer hs.Close()

	conns := make([]transport.Conn, 0, n)
	cl := startClients(b, ln.Addr().String(), n)
	defer cl.close()
	for range n {
		conns = append(conns, <-h.conns)
	}
	payload := []byte(`2["tick",{"n":1,"text":"hello everyone"}]`)
	frameLen := int64(len(ws.Frame(transport.NewMessage(payload, false))))
	var want int64
	cpu0 := transporttest.CPUTime()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		msgs := []*transport.Message{transport.NewMessage(payload, false)} // one slice per broadcast, as bus does
		for _, c := range conns {
			_ = c.Send(msgs...)
		}
		want += frameLen * int64(n)
		cl.wait(b, want)
	}
	b.StopTimer()
	cpu := transporttest.CPUTime() - cpu0
	per := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/recipient")
	b.ReportMetric(float64(cpu.Nanoseconds())/per, "cpu-ns/recipient")
}

type countWriter struct{ n *atomic.Int64 }

func (w countWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// rawDial opens an Engine.IO WebSocket with a hand-written upgrade request.
func rawDial(addr string) (net.Conn, *bufio.Reader, error) { return rawDialExt(addr, "") }

// readFrame reads one short unmasked server frame and returns its payload.
func readFrame(br *bufio.Reader) (string, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return "", err
	}
	if h[1] > 125 {
		return "", fmt.Errorf("frame too long for readFrame: %d", h[1])
	}
	p := make([]byte, h[1])
	if _, err := io.ReadFull(br, p); err != nil {
		return "", err
	}
	if !strings.HasPrefix(string(p), "0") {
		return "", fmt.Errorf("not an open packet: %q", p)
	}
	return string(p), nil
}

const clientsEnv = "SOCKBUS_WS_BENCH_CLIENTS" // "addr n"

// clients is the child process holding the discarding clients.
type clients struct{ *transporttest.Child }

func startClients(b *testing.B, addr string, n int) *clients {
	return &clients{transporttest.StartChild(b, "TestBenchClients", fmt.Sprintf("%s=%s %d", clientsEnv, addr, n))}
}

// wait returns once the clients have received want bytes after their open
// packets.
func (cl *clients) wait(b *testing.B, want int64) { cl.Command(b, fmt.Sprint(want)) }

func (cl *clients) close() { cl.Close() }

// TestBenchClients is the child process of BenchmarkBroadcastServer: it
// dials the WebSocket sessions, discards what they receive and, for each
// byte count read from stdin, answers "ok" once that many bytes arrived.
func TestBenchClients(t *testing.T) {
	env := os.Getenv(clientsEnv)
	if env == "" {
		t.Skip("child process of BenchmarkBroadcastServer")
	}
	var addr string
	var n int
	if _, err := fmt.Sscan(env, &addr, &n); err != nil {
		t.Fatal(err)
	}
	var got atomic.Int64
	var wg sync.WaitGroup
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}()
	for range n {
		c, br, err := rawDial(addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := readFrame(br); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(countWriter{&got}, br)
		}()
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var want int64
		fmt.Sscan(in.Text(), &want)
		for deadline := time.Now().Add(30 * time.Second); got.Load() < want; {
			if time.Now().After(deadline) {
				t.Fatalf("got %d of %d bytes", got.Load(), want)
			}
			time.Sleep(20 * time.Microsecond)
		}
		fmt.Println("ok")
	}
}

// BenchmarkIdleConn reports the server memory (heap and goroutine stacks)
// held per idle WebSocket session, with n sessions whose clients run in a
// child process. Timing is meaningless here; see bytes/conn.
func BenchmarkIdleConn(b *testing.B) {
	const n = 2000
	for b.Loop() {
		h := nopHandler{conns: make(chan transport.Conn, n)}
		srv, err := engine.NewServer(engine.Config{Handler: h, Transports: []engine.Transport{ws.New(ws.Config{})},
			PingInterval: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		hs := &http.Server{Handler: srv}
		go hs.Serve(ln)
		before := memInUse()
		cl := startClients(b, ln.Addr().String(), n)
		for range n {
			<-h.conns
		}
		after := memInUse()
		b.ReportMetric(float64(after-before)/n, "bytes/conn")
		cl.close()
		_ = hs.Close()
		_ = srv.Close()
	}
}

func memInUse() int64 {
	heap, stack, _ := transporttest.Memory()
	return heap + stack
}
