package ws_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/transporttest"
	"github.com/sockbus/sockbus/transport/ws"
)

// serveWS starts an engine with the WebSocket transport on loopback and
// returns the server and its address.
func serveWS(t *testing.T, h transport.Handler, cfg engine.Config, wcfg ws.Config) (*engine.Server, string) {
	t.Helper()
	cfg.Handler = h
	cfg.Transports = []engine.Transport{ws.New(wcfg)}
	srv, err := engine.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return srv, strings.TrimPrefix(ts.URL, "http://")
}

// frame is one server frame as read off the wire.
type frame struct {
	op      byte // opcode
	rsv1    bool // compressed
	payload []byte
}

// nextFrame reads one unmasked server frame.
func nextFrame(br *bufio.Reader) (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return frame{}, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return frame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return frame{}, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		return frame{}, err
	}
	return frame{op: h[0] & 0x0f, rsv1: h[0]&0x40 != 0, payload: p}, nil
}

// TestCongestedDelivery: a client that stops reading while a burst is sent
// fills its socket buffer, so the pool hands the rest to the connection's
// own writer; once the client reads again every frame arrives, in order,
// and the connection keeps working afterwards.
func TestCongestedDelivery(t *testing.T) {
	t.Parallel()
	h := nopHandler{conns: make(chan transport.Conn, 1)}
	_, addr := serveWS(t, h, engine.Config{}, ws.Config{})
	nc, br, err := rawDial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	conn := <-h.conns
	if _, err := readFrame(br); err != nil {
		t.Fatal(err)
	}
	const n = 400 // 400 x 16 KiB: far more than loopback socket buffers hold
	for i := range n {
		data := fmt.Appendf(bytes.Repeat([]byte{'.'}, 16<<10), "%d", i)
		if err := conn.Send(transport.NewMessage(data, i%2 == 1)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	check := func(i int) {
		t.Helper()
		f, err := nextFrame(br)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		want := fmt.Appendf(bytes.Repeat([]byte{'.'}, 16<<10), "%d", i)
		op := byte(gws.OpcodeBinary)
		if i%2 == 0 {
			want, op = append([]byte{'4'}, want...), byte(gws.OpcodeText)
		}
		if f.op != op || !bytes.Equal(f.payload, want) {
			t.Fatalf("frame %d: op %d, %d bytes ending %q", i, f.op, len(f.payload), f.payload[max(0, len(f.payload)-6):])
		}
	}
	for i := range n {
		check(i)
	}
	if err := conn.Send(transport.NewMessage([]byte("after"), false)); err != nil {
		t.Fatal(err)
	}
	if f, err := nextFrame(br); err != nil || string(f.payload) != "4after" {
		t.Fatalf("after the burst: %q %v", f.payload, err)
	}
}

// TestSlowConsumerClosesAtOnce: when a session closes as a slow consumer,
// its connection is closed at once, so a write blocked on a client that
// stopped reading ends long before WriteTimeout and Close does not wait for
// it.
func TestSlowConsumerClosesAtOnce(t *testing.T) {
	t.Parallel()
	rec := &transporttest.Recorder{}
	srv, addr := serveWS(t, rec, engine.Config{MaxOutboxBytes: 256 << 20, WriteTimeout: time.Hour}, ws.Config{})
	nc, br, err := rawDial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := readFrame(br); err != nil {
		t.Fatal(err)
	}
	// The outbox bound is far above what the socket buffers hold, so the
	// connection's writer is blocked in a write when the outbox overflows.
	m := transport.NewMessage(bytes.Repeat([]byte{'y'}, 256<<10), false)
	for i := 0; ; i++ {
		if i == 10_000 {
			t.Fatal("outbox never overflowed")
		}
		if rec.Conn().Send(m) != nil {
			break
		}
	}
	if !rec.Wait(5*time.Second, func(_ []*transport.Message, r []error) bool { return len(r) == 1 }) {
		t.Fatal("no OnClose")
	}
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a writer stuck on the slow client")
	}
	// The client sees the connection end once it reads what was buffered.
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var ne net.Error
	if _, err := io.Copy(io.Discard, br); errors.As(err, &ne) && ne.Timeout() {
		t.Error("the server did not close the connection")
	}
}

// TestCompression: with Config.Compression and a client offering
// permessage-deflate, large messages are sent compressed (RSV1) and inflate
// to the Engine.IO packet; small ones are sent plain. A gws client with
// compression on gets both intact.
func TestCompression(t *testing.T) {
	t.Parallel()
	h := nopHandler{conns: make(chan transport.Conn, 2)}
	_, addr := serveWS(t, h, engine.Config{}, ws.Config{Compression: true, CompressionThreshold: 512})
	big := strings.Repeat("compress me ", 200)

	t.Run("raw", func(t *testing.T) {
		nc, br, err := rawDialExt(addr, "permessage-deflate; client_no_context_takeover; server_no_context_takeover")
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		conn := <-h.conns
		if _, err := nextFrame(br); err != nil { // open packet
			t.Fatal(err)
		}
		_ = conn.Send(transport.NewMessage([]byte(big), false), transport.NewMessage([]byte("small"), false))
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := nextFrame(br)
		if err != nil {
			t.Fatal(err)
		}
		if !f.rsv1 || len(f.payload) >= len(big) {
			t.Fatalf("big message: rsv1 %v, %d bytes, want compressed", f.rsv1, len(f.payload))
		}
		zr := flate.NewReader(io.MultiReader(bytes.NewReader(f.payload), bytes.NewReader([]byte{0, 0, 0xff, 0xff})))
		got, err := io.ReadAll(zr)
		if err != nil && err != io.ErrUnexpectedEOF {
			t.Fatalf("inflate: %v", err)
		}
		if string(got) != "4"+big {
			t.Errorf("inflated %.30q…, want %.30q…", got, "4"+big)
		}
		if f, err := nextFrame(br); err != nil || f.rsv1 || string(f.payload) != "4small" {
			t.Errorf("small message: %q rsv1 %v %v", f.payload, f.rsv1, err)
		}
	})

	t.Run("gws client", func(t *testing.T) {
		rec := &frames{ch: make(chan string, 4)}
		c, resp, err := gws.NewClient(rec, &gws.ClientOption{
			Addr:              "ws://" + addr + "/engine.io/?EIO=4&transport=websocket",
			PermessageDeflate: gws.PermessageDeflate{Enabled: true, ServerContextTakeover: true, ClientContextTakeover: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
			t.Fatalf("no permessage-deflate negotiated: %q", ext)
		}
		go c.ReadLoop()
		defer c.WriteClose(1000, nil)
		conn := <-h.conns
		if f := rec.next(t); !strings.HasPrefix(f, "0{") {
			t.Fatalf("open = %q", f)
		}
		for range 2 { // the second one reuses the compression context
			_ = conn.Send(transport.NewMessage([]byte(big), false))
			if f := rec.next(t); f != "4"+big {
				t.Fatalf("got %.30q…", f)
			}
		}
		_ = conn.Send(transport.NewMessage([]byte{1, 2, 3}, true))
		if f := rec.next(t); f != "\x01\x02\x03" {
			t.Fatalf("binary = %q", f)
		}
	})
}

// frames is a gws client handler passing every message on.
type frames struct{ ch chan string }

func (f *frames) OnOpen(*gws.Conn)         {}
func (f *frames) OnClose(*gws.Conn, error) {}
func (f *frames) OnPing(*gws.Conn, []byte) {}
func (f *frames) OnPong(*gws.Conn, []byte) {}
func (f *frames) OnMessage(_ *gws.Conn, m *gws.Message) {
	f.ch <- string(m.Bytes())
	_ = m.Close()
}

func (f *frames) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-f.ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
		return ""
	}
}

// rawDialExt opens an Engine.IO WebSocket with a hand-written upgrade
// request, offering the extension ext unless it is empty.
func rawDialExt(addr, ext string) (net.Conn, *bufio.Reader, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	if ext != "" {
		ext = "Sec-WebSocket-Extensions: " + ext + "\r\n"
	}
	_, err = io.WriteString(c, "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"+
		"Sec-WebSocket-Version: 13\r\n"+ext+"\r\n")
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || (ext != "") != (resp.Header.Get("Sec-WebSocket-Extensions") != "") {
		c.Close()
		return nil, nil, fmt.Errorf("upgrade: %s, extensions %q", resp.Status, resp.Header.Get("Sec-WebSocket-Extensions"))
	}
	return c, br, nil
}

// TestConcurrentBroadcast: several goroutines broadcast to many pooled
// connections at once; every client gets every message exactly once, in
// each sender's order.
func TestConcurrentBroadcast(t *testing.T) {
	t.Parallel()
	const clients, senders, msgs = 40, 3, 200
	h := nopHandler{conns: make(chan transport.Conn, clients)}
	_, addr := serveWS(t, h, engine.Config{}, ws.Config{})
	var conns []transport.Conn
	readers := make([]*bufio.Reader, clients)
	for i := range clients {
		nc, br, err := rawDial(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := readFrame(br); err != nil {
			t.Fatal(err)
		}
		readers[i] = br
		conns = append(conns, <-h.conns)
	}
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range msgs {
				m := []*transport.Message{transport.NewMessage(fmt.Appendf(nil, "%d %d", s, i), s == 0)}
				for _, c := range conns {
					if err := c.Send(m...); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	errs := make(chan error, clients)
	for _, br := range readers {
		go func() {
			next := make([]int, senders)
			for range senders * msgs {
				f, err := nextFrame(br)
				if err != nil {
					errs <- err
					return
				}
				var s, i int
				if _, err := fmt.Sscanf(strings.TrimPrefix(string(f.payload), "4"), "%d %d", &s, &i); err != nil || i != next[s] {
					errs <- fmt.Errorf("frame %q after %v (%v)", f.payload, next, err)
					return
				}
				next[s]++
			}
			errs <- nil
		}()
	}
	wg.Wait()
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
