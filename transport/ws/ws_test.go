package ws_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/transporttest"
	"github.com/sockbus/sockbus/transport/ws"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFrame(t *testing.T) {
	tests := []struct {
		n      int
		binary bool
		head   []byte
	}{
		{0, false, []byte{0x81, 1, '4'}},
		{124, false, []byte{0x81, 125, '4'}},
		{125, false, []byte{0x81, 126, 0, 126, '4'}},
		{125, true, []byte{0x82, 125}},
		{65535, true, []byte{0x82, 126, 0xff, 0xff}},
		{65536, true, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		m := transport.NewMessage(bytes.Repeat([]byte{'x'}, tt.n), tt.binary)
		f := ws.Frame(m)
		if !bytes.HasPrefix(f, tt.head) || len(f) != len(tt.head)+tt.n {
			t.Errorf("Frame(%d, %v) = % x…, want prefix % x", tt.n, tt.binary, f[:min(len(f), 12)], tt.head)
		}
	}
}

type nopHandler struct{ conns chan transport.Conn }

func (h nopHandler) OnOpen(c transport.Conn, _ transport.Handshake) error {
	h.conns <- c
	return nil
}
func (nopHandler) OnMessage(transport.Conn, *transport.Message) {}
func (nopHandler) OnClose(transport.Conn, error)                {}

type counter struct{ n atomic.Int64 }

func (c *counter) OnOpen(*gws.Conn)                      {}
func (c *counter) OnClose(*gws.Conn, error)              {}
func (c *counter) OnPing(*gws.Conn, []byte)              {}
func (c *counter) OnPong(*gws.Conn, []byte)              {}
func (c *counter) OnMessage(_ *gws.Conn, m *gws.Message) { c.n.Add(1); _ = m.Close() }

// BenchmarkBroadcast sends one shared Message to 1000 WebSocket sessions
// per op: the frame is built once and each connection writes it.
func BenchmarkBroadcast(b *testing.B) {
	const n = 1000
	h := nopHandler{conns: make(chan transport.Conn, n)}
	srv, err := engine.NewServer(engine.Config{Handler: h, Transports: []engine.Transport{ws.New(ws.Config{})}})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	cnt := &counter{}
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/engine.io/?EIO=4&transport=websocket"
	var clients []*gws.Conn
	conns := make([]transport.Conn, 0, n)
	for range n {
		c, _, err := gws.NewClient(cnt, &gws.ClientOption{Addr: url})
		if err != nil {
			b.Fatal(err)
		}
		go c.ReadLoop()
		clients = append(clients, c)
		conns = append(conns, <-h.conns)
	}
	defer func() {
		for _, c := range clients {
			_ = c.WriteClose(1000, nil)
		}
	}()
	waitCount(b, cnt, n) // open packets
	payload := []byte(`2["tick",{"n":1,"text":"hello everyone"}]`)
	b.ReportAllocs()
	b.ResetTimer()
	sent := int64(n)
	for b.Loop() {
		msgs := []*transport.Message{transport.NewMessage(payload, false)} // one slice per broadcast, as bus does
		for _, c := range conns {
			_ = c.Send(msgs...)
		}
		sent += n
		waitCount(b, cnt, sent)
	}
}

func waitCount(b *testing.B, c *counter, n int64) {
	deadline := time.Now().Add(10 * time.Second)
	for c.n.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("got %d of %d frames", c.n.Load(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestSlowConsumerBounded: a client that stops reading is closed with
// ErrSlowConsumer once the outbox bound is hit, not buffered without limit.
func TestSlowConsumerBounded(t *testing.T) {
	rec := &transporttest.Recorder{}
	srv, err := engine.NewServer(engine.Config{Handler: rec, Transports: []engine.Transport{ws.New(ws.Config{})},
		MaxOutboxBytes: 1 << 20, WriteTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	block := make(chan struct{})
	client := &transporttest.Recorder{Block: block}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cc, err := transporttest.Dial(ctx, ts.URL+"/engine.io/", "websocket", client)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close(nil)
	defer close(block)
	m := transport.NewMessage(bytes.Repeat([]byte{'y'}, 32<<10), false)
	sends := 0
	for ; sends < 10_000; sends++ {
		if err := rec.Conn().Send(m); err != nil {
			break
		}
	}
	if sends == 10_000 {
		t.Fatal("outbox never overflowed")
	}
	if !rec.Wait(5*time.Second, func(_ []*transport.Message, r []error) bool { return len(r) == 1 }) {
		t.Fatal("no OnClose")
	}
}

// TestPipelinedFrames: frames the client sends in the same write as its
// upgrade request (so net/http buffered them) reach the Handler, whatever
// the read buffer size.
func TestPipelinedFrames(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 16, 8192} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			t.Parallel()
			rec := &transporttest.Recorder{}
			_, addr := serveWS(t, rec, engine.Config{}, ws.Config{ReadBufferSize: size})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n" +
				"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
				"Sec-WebSocket-Version: 13\r\n\r\n"
			long := strings.Repeat("y", 300) // longer than the smallest buffer
			var msgs []byte
			for _, m := range []string{"4hello", "4" + long} {
				if len(m) < 126 {
					msgs = append(msgs, 0x81, 0x80|byte(len(m)))
				} else {
					msgs = append(msgs, 0x81, 0x80|126, byte(len(m)>>8), byte(len(m)))
				}
				msgs = append(msgs, 0, 0, 0, 0) // mask 0: the payload is unchanged
				msgs = append(msgs, m...)
			}
			if _, err := c.Write(append([]byte(req), msgs...)); err != nil {
				t.Fatal(err)
			}
			ok := rec.Wait(5*time.Second, func(m []*transport.Message, _ []error) bool { return len(m) == 2 })
			if !ok {
				t.Fatalf("messages = %d, want 2", len(rec.Messages()))
			}
			got := rec.Messages()
			if string(got[0].Data) != "hello" || string(got[1].Data) != long {
				t.Errorf("messages = %.10q, %.10q", got[0].Data, got[1].Data)
			}
		})
	}
}
