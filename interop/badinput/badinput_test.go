// Package badinput_test feeds a full sockbus server (engine, websocket and
// polling transports, bus) malformed HTTP requests, Engine.IO packets and
// Socket.IO packets. Each must get its clear error or close only the
// connection that sent it, while two witness clients (websocket and polling)
// keep receiving broadcasts after every case.
package badinput_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"go.uber.org/goleak"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const maxPayload = 10_000

// env is a running server with two witnesses that count broadcasts.
type env struct {
	url   string
	srv   *bus.Server
	ticks []chan int // one per witness
	seq   int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := bus.NewServer(bus.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h, err := sockbus.NewHandler(srv, engine.Config{MaxPayload: maxPayload, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	e := &env{url: hs.URL, srv: srv}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		hs.Close()
		_ = srv.Close()
	})
	for _, tr := range []string{"websocket", "polling"} {
		e.ticks = append(e.ticks, e.witness(t, tr))
	}
	return e
}

// witness connects a Go client over one transport and returns the channel of
// the "tick" numbers it receives.
func (e *env) witness(t *testing.T, tr string) chan int {
	t.Helper()
	d := &engineclient.Dialer{URL: e.url, Transports: []string{tr}, NoUpgrade: true}
	m, err := client.New(client.Config{Dial: d.Dial, NoReconnect: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ticks := make(chan int, 256)
	connected := make(chan struct{}, 1)
	s := m.Socket("/", client.SocketConfig{})
	s.On("tick", func(ev *client.Event) {
		var n int
		if ev.Args.Decode(0, &n) == nil {
			ticks <- n
		}
	})
	s.On("connect", func(*client.Event) { connected <- struct{}{} })
	s.Connect()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s witness did not connect", tr)
	}
	return ticks
}

// checkWitnesses broadcasts a new tick and waits until every witness has it.
func (e *env) checkWitnesses(t *testing.T) {
	t.Helper()
	e.seq++
	if err := e.srv.Of("/").Emit("tick", e.seq); err != nil {
		t.Fatalf("broadcast: %v", err)
	}
	for i, ch := range e.ticks {
		deadline := time.After(10 * time.Second)
		for got := 0; got != e.seq; {
			select {
			case got = <-ch:
			case <-deadline:
				t.Fatalf("witness %d stopped receiving broadcasts (want tick %d)", i, e.seq)
			}
		}
	}
}

// do sends one HTTP request and returns the status and body.
func do(t *testing.T, method, url, body string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func errBody(code int, msg string) string { return fmt.Sprintf(`{"code":%d,"message":%q}`, code, msg) }

// pollingSession opens a polling session, connects to "/" and returns its
// query URL (with sid).
func pollingSession(t *testing.T, base string) string {
	t.Helper()
	code, body := do(t, "GET", base+"/socket.io/?EIO=4&transport=polling", "")
	if code != 200 || !strings.HasPrefix(body, `0{"sid":"`) {
		t.Fatalf("handshake = %d %q", code, body)
	}
	q := base + "/socket.io/?EIO=4&transport=polling&sid=" + body[len(`0{"sid":"`):len(`0{"sid":"`)+20]
	if code, body := do(t, "POST", q, "40"); code != 200 || body != "ok" {
		t.Fatalf("CONNECT = %d %q", code, body)
	}
	if code, body := do(t, "GET", q, ""); code != 200 || !strings.HasPrefix(body, `40{"sid":"`) {
		t.Fatalf("CONNECT reply = %d %q", code, body)
	}
	return q
}

// sessionDead reports whether the polling session q is gone: a GET answers
// at once with the close packet or 400. A live session holds the GET (there
// is nothing to send), which the short client timeout turns into "alive".
func sessionDead(t *testing.T, q string) bool {
	t.Helper()
	c := &http.Client{Timeout: time.Second}
	for range 3 {
		resp, err := c.Get(q)
		if err != nil {
			return false // held: the session is alive
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode == 400 || body == "1" || strings.HasSuffix(body, "\x1e1") {
			return true
		}
	}
	return false
}

func TestMalformedHTTP(t *testing.T) {
	e := newEnv(t)
	base := e.url + "/socket.io/"
	q := base + "?EIO=4&transport=polling"
	tests := []struct {
		name, method, url, body string
		hdr                     []string
		status                  int
		want                    string // exact body, "" when not checked
	}{
		{"EIO missing", "GET", base + "?transport=polling", "", nil, 400, errBody(5, "Unsupported protocol version")},
		{"EIO abc", "GET", base + "?EIO=abc&transport=polling", "", nil, 400, errBody(5, "Unsupported protocol version")},
		{"EIO 3", "GET", base + "?EIO=3&transport=polling", "", nil, 400, errBody(5, "Unsupported protocol version")},
		{"transport missing", "GET", base + "?EIO=4", "", nil, 400, errBody(0, "Transport unknown")},
		{"transport unknown", "GET", base + "?EIO=4&transport=carrier-pigeon", "", nil, 400, errBody(0, "Transport unknown")},
		{"POST handshake", "POST", q, "40", nil, 400, errBody(2, "Bad handshake method")},
		{"PUT handshake", "PUT", q, "", nil, 400, errBody(2, "Bad handshake method")},
		{"unknown sid", "GET", q + "&sid=AAAAAAAAAAAAAAAAAAAA", "", nil, 400, errBody(1, "Session ID unknown")},
		{"POST to unknown sid", "POST", q + "&sid=AAAAAAAAAAAAAAAAAAAA", "42[\"x\"]", nil, 400, errBody(1, "Session ID unknown")},
		{"websocket over plain GET", "GET", base + "?EIO=4&transport=websocket", "", nil, 400, errBody(3, "Bad request")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, tt.method, tt.url, tt.body, tt.hdr...)
			if code != tt.status || (tt.want != "" && body != tt.want) {
				t.Errorf("%s = %d %q, want %d %q", tt.name, code, body, tt.status, tt.want)
			}
			e.checkWitnesses(t)
		})
	}
}

// TestMalformedPolling sends bad bodies on live polling sessions: each gets
// its status and only that session dies.
func TestMalformedPolling(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, body string
		hdr        []string
		status     int
		kills      bool
	}{
		{"garbage payload", "abc", nil, 400, true},
		{"empty payload", "", nil, 400, true},
		{"octet-stream body", "42[\"x\"]", []string{"Content-Type", "application/octet-stream"}, 400, true},
		{"bad base64", "bAQ=@", nil, 400, true},
		{"oversize body", "4" + strings.Repeat("x", maxPayload+10), nil, 413, false},
		{"client open packet", "0", nil, 400, true},
		{"socket.io bad JSON", "42[\"x\"", nil, 200, true},
		{"socket.io reserved event", "42[\"disconnect\"]", nil, 200, true},
		{"socket.io unknown type", "49", nil, 200, true},
		{"socket.io attachments missing", "451-[\"x\",{\"_placeholder\":true,\"num\":0}]\x1e42[\"y\"]", nil, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := pollingSession(t, e.url)
			code, _ := do(t, "POST", q, tt.body, tt.hdr...)
			if code != tt.status {
				t.Errorf("POST %q = %d, want %d", tt.body, code, tt.status)
			}
			if dead := sessionDead(t, q); dead != tt.kills {
				t.Errorf("session dead = %v, want %v", dead, tt.kills)
			}
			e.checkWitnesses(t)
		})
	}
	t.Run("PUT on a session", func(t *testing.T) {
		q := pollingSession(t, e.url)
		if code, _ := do(t, "PUT", q, ""); code != 500 {
			t.Errorf("PUT = %d, want 500", code)
		}
		e.checkWitnesses(t)
	})
}

// rawWS is a minimal websocket peer that records whether the server closed it.
type rawWS struct {
	opened chan string
	msgs   chan string
	closed chan struct{}
}

func (r *rawWS) OnOpen(*gws.Conn)             {}
func (r *rawWS) OnClose(*gws.Conn, error)     { close(r.closed) }
func (r *rawWS) OnPing(c *gws.Conn, p []byte) { _ = c.WritePong(p) }
func (r *rawWS) OnPong(*gws.Conn, []byte)     {}
func (r *rawWS) OnMessage(_ *gws.Conn, m *gws.Message) {
	s := string(m.Bytes())
	_ = m.Close()
	select {
	case r.msgs <- s:
	default:
	}
}

// dialConnected opens a websocket session and connects it to "/".
func dialConnected(t *testing.T, base string) (*gws.Conn, *rawWS) {
	t.Helper()
	r := &rawWS{msgs: make(chan string, 64), closed: make(chan struct{})}
	addr := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	c, _, err := gws.NewClient(r, &gws.ClientOption{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	go c.ReadLoop()
	t.Cleanup(func() {
		c.NetConn().Close()
		<-r.closed
	})
	expect(t, r, "0{")
	if err := c.WriteString("40"); err != nil {
		t.Fatal(err)
	}
	expect(t, r, `40{"sid":`)
	return c, r
}

func expect(t *testing.T, r *rawWS, prefix string) {
	t.Helper()
	select {
	case m := <-r.msgs:
		if !strings.HasPrefix(m, prefix) {
			t.Fatalf("got %q, want prefix %q", m, prefix)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no message, want prefix %q", prefix)
	}
}

// TestMalformedWebSocket sends bad frames on live websocket sessions: each
// closes that connection only.
func TestMalformedWebSocket(t *testing.T) {
	e := newEnv(t)
	type frame struct {
		binary bool
		data   string
	}
	text := func(s ...string) []frame {
		var f []frame
		for _, x := range s {
			f = append(f, frame{data: x})
		}
		return f
	}
	tests := []struct {
		name   string
		frames []frame
	}{
		{"unknown engine type", text("9x")},
		{"empty frame", text("")},
		{"client open packet", text("0")},
		{"socket.io type not a digit", text("4abc")},
		{"socket.io unknown type", text("49")},
		{"event data not an array", text("42{}")},
		{"event data empty array", text("42[]")},
		{"event name not a string", text(`42[{"a":1}]`)},
		{"garbage before the array", text(`42abc["x"]`)},
		{"bad JSON", text(`42["x",`)},
		{"reserved name connect", text(`42["connect"]`)},
		{"reserved name disconnect", text(`42["disconnect"]`)},
		{"reserved name newListener", text(`42["newListener","x"]`)},
		{"ack without array", text(`431{"a":1}`)},
		{"ack id too long", text(`42` + strings.Repeat("9", 120) + `["x"]`)},
		{"CONNECT payload not an object", text(`40"str"`)},
		{"CONNECT bad JSON", text(`40/admin,{"a":`)},
		{"too many attachments", text(`4511-["x",{"_placeholder":true,"num":0}]`)},
		{"attachment count not a number", text(`45x-["x"]`)},
		{"text while attachments pending", text(`451-["x",{"_placeholder":true,"num":0}]`, `42["y"]`)},
		{"binary without a pending packet", []frame{{binary: true, data: "\x01\x02"}}},
		{"placeholder number out of range", []frame{{data: `451-["x",{"_placeholder":true,"num":5}]`}, {binary: true, data: "\x01"}}},
		{"frame over maxPayload", text("4" + strings.Repeat("x", maxPayload+10))},
		{"DISCONNECT with data", text(`41{"a":1}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r := dialConnected(t, e.url)
			for _, f := range tt.frames {
				op := gws.OpcodeText
				if f.binary {
					op = gws.OpcodeBinary
				}
				if err := c.WriteMessage(op, []byte(f.data)); err != nil && !errors.Is(err, gws.ErrConnClosed) {
					t.Fatalf("write: %v", err)
				}
			}
			select {
			case <-r.closed:
			case <-time.After(5 * time.Second):
				t.Fatalf("server kept the connection open after %v", tt.frames)
			}
			e.checkWitnesses(t)
		})
	}
}
