package sockbus_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/transporttest"
	"github.com/sockbus/sockbus/transport/ws"
)

// BenchmarkConnect measures the server side of connecting n Socket.IO
// clients over WebSocket (upgrade, Engine.IO open, CONNECT "40" and its
// reply) to a bus.Server, and what each idle connection then holds. The
// clients run in a child process (the test binary, see
// TestConnectClients), so cpu-us/conn is the server's CPU alone and
// wall-us/conn the time until all n are connected. heap-B/conn and
// stack-B/conn are runtime.MemStats HeapInuse and StackInuse after GC, rss-B/conn the VmRSS
// delta (both per idle connection; the RSS delta is meaningful for the
// first run of a process only: run one size with -benchtime=1x). With
// SOCKBUS_CONNECT_HEAPPROFILE=file the live heap of the connected clients
// is written to file.
func BenchmarkConnect(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var cpu, wall, heap, stack, rss float64
			for range b.N {
				r := connectOnce(b, n)
				cpu += r.cpu
				wall += r.wall
				heap += r.heap
				stack += r.stack
				rss += r.rss
			}
			runs := float64(b.N)
			b.ReportMetric(cpu/runs, "cpu-us/conn")
			b.ReportMetric(wall/runs, "wall-us/conn")
			b.ReportMetric(heap/runs, "heap-B/conn")
			b.ReportMetric(stack/runs, "stack-B/conn")
			b.ReportMetric(rss/runs, "rss-B/conn")
		})
	}
}

type connectResult struct{ cpu, wall, heap, stack, rss float64 }

func connectOnce(b *testing.B, n int) connectResult {
	b.StopTimer()
	io, err := bus.NewServer(bus.Config{})
	if err != nil {
		b.Fatal(err)
	}
	h, err := sockbus.NewHandler(io, engine.Config{Transports: []engine.Transport{ws.New(ws.Config{})}})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	cl := transporttest.StartChild(b, "TestConnectClients", fmt.Sprintf("%s=%s %d", connectEnv, ln.Addr().String(), n))
	heap0, stack0, rss0 := transporttest.Memory()
	cpu0 := transporttest.CPUTime()
	t0 := time.Now()
	b.StartTimer()
	cl.Command(b, "connect")
	b.StopTimer()
	wall := time.Since(t0)
	cpu := transporttest.CPUTime() - cpu0
	heap1, stack1, rss1 := transporttest.Memory()
	if f := os.Getenv("SOCKBUS_CONNECT_HEAPPROFILE"); f != "" {
		writeHeapProfile(b, f)
	}
	cl.Close()
	_ = hs.Close()
	<-served
	_ = h.Close()
	_ = io.Close()
	per := float64(n)
	return connectResult{
		cpu:   float64(cpu.Microseconds()) / per,
		wall:  float64(wall.Microseconds()) / per,
		heap:  float64(heap1-heap0) / per,
		stack: float64(stack1-stack0) / per,
		rss:   float64(rss1-rss0) / per,
	}
}

// writeHeapProfile writes the live heap (the idle connections) to file.
func writeHeapProfile(b *testing.B, file string) {
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

const connectEnv = "SOCKBUS_CONNECT_BENCH_CLIENTS" // "addr n"

// TestConnectClients is the child process of BenchmarkConnect: on
// "connect" it connects n Socket.IO clients over WebSocket with 16 dialers
// and answers "ok" once every CONNECT was answered; the clients stay
// connected until stdin closes.
func TestConnectClients(t *testing.T) {
	env := os.Getenv(connectEnv)
	if env == "" {
		t.Skip("child process of BenchmarkConnect")
	}
	var addr string
	var n int
	if _, err := fmt.Sscan(env, &addr, &n); err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() || in.Text() != "connect" {
		return
	}
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	const dialers = 16
	var wg sync.WaitGroup
	errs := make(chan error, dialers)
	for d := range dialers {
		wg.Go(func() {
			for i := d; i < n; i += dialers {
				c, err := connectClient(addr)
				if err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	fmt.Println("ok")
	for in.Scan() {
	}
}

// connectClient opens a WebSocket, reads the open packet, sends CONNECT
// and reads its answer.
func connectClient(addr string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	_, err = io.WriteString(c, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"+
		"Sec-WebSocket-Version: 13\r\n\r\n")
	if err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 512)
	resp, err := http.ReadResponse(br, nil)
	if err == nil && resp.StatusCode != http.StatusSwitchingProtocols {
		err = fmt.Errorf("upgrade: %s", resp.Status)
	}
	if err == nil {
		err = expectFrame(br, "0{")
	}
	if err == nil {
		// A masked text frame "40" (mask 0: the payload is unchanged).
		_, err = c.Write([]byte{0x81, 0x80 | 2, 0, 0, 0, 0, '4', '0'})
	}
	if err == nil {
		err = expectFrame(br, `40{"sid":`)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// expectFrame reads one short unmasked text frame that starts with prefix.
func expectFrame(br *bufio.Reader, prefix string) error {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return err
	}
	if h[1] > 125 {
		return errors.New("frame too long")
	}
	p := make([]byte, h[1])
	if _, err := io.ReadFull(br, p); err != nil {
		return err
	}
	if !bytes.HasPrefix(p, []byte(prefix)) {
		return fmt.Errorf("frame %q, want %s…", p, prefix)
	}
	return nil
}
