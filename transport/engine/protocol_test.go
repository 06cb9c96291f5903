package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/transporttest"
)

// echo is the conformance server's handler: every message goes back as it
// came.
type echo struct{ transporttest.Recorder }

func (e *echo) OnMessage(c transport.Conn, m *transport.Message) {
	e.Recorder.OnMessage(c, m)
	_ = c.Send(m)
}

func do(t *testing.T, method, url, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// handshake opens a polling session and returns its sid and open JSON.
func handshake(t *testing.T, url string) (string, map[string]any) {
	t.Helper()
	code, hdr, body := do(t, "GET", url+"?EIO=4&transport=polling", "")
	if code != 200 || !strings.HasPrefix(body, "0{") {
		t.Fatalf("handshake = %d %q", code, body)
	}
	if ct := hdr.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := hdr.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	var hs map[string]any
	if err := json.Unmarshal([]byte(body[1:]), &hs); err != nil {
		t.Fatal(err)
	}
	return hs["sid"].(string), hs
}

func errBody(code int, msg string) string {
	b, _ := json.Marshal(map[string]any{"code": code, "message": msg})
	// Go sorts keys: code before message, as Node writes them.
	return string(b)
}

func TestHandshakeJSON(t *testing.T) {
	t.Parallel()
	_, url := start(t, &echo{}, engine.Config{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	sid, hs := handshake(t, url)
	if len(sid) != 20 {
		t.Errorf("sid %q: want 20 chars", sid)
	}
	_, _, body := do(t, "GET", url+"?EIO=4&transport=polling", "")
	want := `0{"sid":"` + body[9:29] + `","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`
	if body != want {
		t.Errorf("open = %s\nwant   %s", body, want)
	}
	if len(hs) != 5 {
		t.Errorf("handshake keys = %v", hs)
	}
}

func TestMalformedRequests(t *testing.T) {
	srvH := &echo{}
	_, url := start(t, srvH, engine.Config{MaxPayload: 1000})
	// A witness session that must keep working throughout.
	witness := &transporttest.Recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wc, err := transporttest.Dial(ctx, url, "websocket", witness)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close(nil)

	q := url + "?EIO=4&transport=polling"
	tests := []struct {
		name, method, url, body string
		hdr                     []string
		status                  int
		want                    string // exact body; "" means not checked
		kills                   bool   // the session named by sid is dead afterwards
	}{
		{"EIO missing", "GET", url + "?transport=polling", "", nil, 400, errBody(5, "Unsupported protocol version"), false},
		{"EIO abc", "GET", url + "?EIO=abc&transport=polling", "", nil, 400, errBody(5, "Unsupported protocol version"), false},
		{"EIO 3", "GET", url + "?EIO=3&transport=polling", "", nil, 400, errBody(5, "Unsupported protocol version"), false},
		{"transport missing", "GET", url + "?EIO=4", "", nil, 400, errBody(0, "Transport unknown"), false},
		{"transport bad", "GET", url + "?EIO=4&transport=carrier-pigeon", "", nil, 400, errBody(0, "Transport unknown"), false},
		{"POST handshake", "POST", q, "4x", nil, 400, errBody(2, "Bad handshake method"), false},
		{"PUT handshake", "PUT", q, "", nil, 400, errBody(2, "Bad handshake method"), false},
		{"unknown sid", "GET", q + "&sid=AAAAAAAAAAAAAAAAAAAA", "", nil, 400, errBody(1, "Session ID unknown"), false},
		{"websocket over GET", "GET", url + "?EIO=4&transport=websocket", "", nil, 400, errBody(3, "Bad request"), false},
		{"EIO missing with sid", "GET", url + "?transport=polling&sid=", "", nil, 400, "", false},
		{"bad payload", "POST", q + "&sid=", "abc", nil, 400, "", true},
		{"empty payload", "POST", q + "&sid=", "", nil, 400, "", true},
		{"octet-stream", "POST", q + "&sid=", "4hi", []string{"Content-Type", "application/octet-stream"}, 400, "", true},
		{"oversize", "POST", q + "&sid=", "4" + strings.Repeat("x", 1000), nil, 413, "", false},
		{"PUT on session", "PUT", q + "&sid=", "", nil, 500, "", false},
		{"client open packet", "POST", q + "&sid=", "0", nil, 400, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url
			var sid string
			if strings.HasSuffix(u, "&sid=") {
				sid, _ = handshake(t, url)
				if tt.name == "EIO missing with sid" {
					u = url + "?transport=polling&sid=" + sid
				} else {
					u += sid
				}
			}
			code, _, body := do(t, tt.method, u, tt.body, tt.hdr...)
			if code != tt.status || (tt.want != "" && body != tt.want) {
				t.Fatalf("%s %s = %d %q, want %d %q", tt.method, u, code, body, tt.status, tt.want)
			}
			if sid != "" {
				code, _, body = do(t, "POST", q+"&sid="+sid, "4still")
				if dead := code == 400 && body == errBody(1, "Session ID unknown"); dead != tt.kills {
					t.Errorf("after: POST = %d %q, want dead=%v", code, body, tt.kills)
				}
			}
		})
	}
	t.Run("websocket bad params", func(t *testing.T) {
		for _, u := range []string{"?transport=websocket", "?EIO=3&transport=websocket", "?EIO=4&transport=websocket&sid=nope"} {
			_, resp, err := gws.NewClient(&wsRec{}, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(url, "http") + u})
			if err == nil || resp == nil || resp.StatusCode != 400 {
				t.Errorf("%s: err %v, resp %v: want refused with 400", u, err, resp)
			}
		}
	})
	if err := wc.Send(transport.NewMessage([]byte("alive"), false)); err != nil {
		t.Fatal(err)
	}
	if !witness.Wait(5*time.Second, func(m []*transport.Message, _ []error) bool { return len(m) == 1 && string(m[0].Data) == "alive" }) {
		t.Fatalf("witness session stopped working: %v", witness.Messages())
	}
}

func TestPolling(t *testing.T) {
	t.Parallel()
	h := &echo{}
	srv, url := start(t, h, engine.Config{})
	q := url + "?EIO=4&transport=polling&sid="

	t.Run("echo and batching", func(t *testing.T) {
		sid, _ := handshake(t, url)
		if code, hdr, body := do(t, "POST", q+sid, "4hello\x1ebAQID\x1e4é"); code != 200 || body != "ok" || hdr.Get("Content-Type") != "text/html" {
			t.Fatalf("POST = %d %q %q", code, body, hdr.Get("Content-Type"))
		}
		if code, _, body := do(t, "GET", q+sid, ""); code != 200 || body != "4hello\x1ebAQID\x1e4é" {
			t.Fatalf("GET = %d %q", code, body)
		}
	})
	t.Run("overlapping GETs", func(t *testing.T) {
		sid, _ := handshake(t, url)
		first := make(chan string)
		go func() { _, _, b := do(t, "GET", q+sid, ""); first <- b }()
		waitPending(t, srv, sid)
		if code, _, _ := do(t, "GET", q+sid, ""); code != 400 {
			t.Errorf("second GET = %d, want 400", code)
		}
		if b := <-first; b != "1" {
			t.Errorf("first GET = %q, want close packet", b)
		}
		if code, _, _ := do(t, "GET", q+sid, ""); code != 400 {
			t.Errorf("GET after overlap = %d, want 400", code)
		}
	})
	t.Run("close while GET pending", func(t *testing.T) {
		sid, _ := handshake(t, url)
		first := make(chan string)
		go func() { _, _, b := do(t, "GET", q+sid, ""); first <- b }()
		waitPending(t, srv, sid)
		if code, _, body := do(t, "POST", q+sid, "1"); code != 200 || body != "ok" {
			t.Errorf("POST 1 = %d %q", code, body)
		}
		if b := <-first; b != "6" {
			t.Errorf("pending GET = %q, want noop", b)
		}
		if code, _, _ := do(t, "GET", q+sid, ""); code != 400 {
			t.Errorf("GET after close = %d, want 400", code)
		}
	})
	t.Run("aborted GET kills the session", func(t *testing.T) {
		sid, _ := handshake(t, url)
		// A raw connection, so that the abort is a TCP close the server sees.
		nc, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(url, "/engine.io/"), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if _, err := fmt.Fprintf(nc, "GET /engine.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\n\r\n", sid); err != nil {
			t.Fatal(err)
		}
		waitPending(t, srv, sid)
		nc.Close()
		// Wait without posting messages: an echo would wake the GET before
		// the server sees the close.
		waitFor(t, func() bool { return srv.Session(sid) == nil })
		if code, _, _ := do(t, "POST", q+sid, "4x"); code != 400 {
			t.Errorf("POST after abort = %d, want 400", code)
		}
	})
}

// waitPending waits until a GET of sid is held by the server: the session's
// writer found nothing to write and waits (engine.Idle, export_test.go).
func waitPending(t *testing.T, srv *engine.Server, sid string) {
	t.Helper()
	waitFor(t, func() bool {
		s := srv.Session(sid)
		return s != nil && engine.Idle(s)
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met in 2s")
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	h := &echo{}
	_, url := start(t, h, engine.Config{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	q := url + "?EIO=4&transport=polling&sid="
	t0 := time.Now() // the ping timer starts after this, at open
	sid, _ := handshake(t, url)
	if _, _, b := do(t, "GET", q+sid, ""); b != "2" {
		t.Fatalf("first poll = %q, want ping", b)
	}
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Errorf("ping after %v, want ~300ms", d)
	}
	do(t, "POST", q+sid, "3")
	if _, _, b := do(t, "GET", q+sid, ""); b != "2" {
		t.Fatalf("second poll = %q, want ping", b)
	}
	// No pong this time: the pending poll gets a close packet, then the
	// session is gone.
	if _, _, b := do(t, "GET", q+sid, ""); b != "1" {
		t.Fatalf("poll at ping timeout = %q, want close", b)
	}
	if code, _, body := do(t, "GET", q+sid, ""); code != 400 || body != errBody(1, "Session ID unknown") {
		t.Fatalf("after timeout: %d %q", code, body)
	}
	if !h.Wait(time.Second, func(_ []*transport.Message, r []error) bool { return len(r) == 1 }) {
		t.Fatal("no OnClose")
	}
	if r := h.Reasons()[0]; !errors.Is(r, transport.ErrPingTimeout) {
		t.Errorf("reason = %v, want ErrPingTimeout", r)
	}
}

// wsRec is a gws client handler that records text and binary frames.
type wsRec struct {
	mu     sync.Mutex
	frames []string
	closed bool
	ch     chan struct{}
}

func (w *wsRec) OnOpen(*gws.Conn) {}
func (w *wsRec) OnClose(*gws.Conn, error) {
	w.mu.Lock()
	w.closed = true
	w.signal()
	w.mu.Unlock()
}
func (w *wsRec) OnPing(c *gws.Conn, b []byte) { _ = c.WritePong(b) }
func (w *wsRec) OnPong(*gws.Conn, []byte)     {}
func (w *wsRec) OnMessage(_ *gws.Conn, m *gws.Message) {
	w.mu.Lock()
	f := string(m.Bytes())
	if m.Opcode == gws.OpcodeBinary {
		f = "bin:" + f
	}
	w.frames = append(w.frames, f)
	w.signal()
	w.mu.Unlock()
	_ = m.Close()
}
func (w *wsRec) signal() {
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}

// next waits for frame i.
func (w *wsRec) next(t *testing.T, i int) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		w.mu.Lock()
		if len(w.frames) > i {
			f := w.frames[i]
			w.mu.Unlock()
			return f
		}
		if w.closed {
			w.mu.Unlock()
			return "<closed>"
		}
		if w.ch == nil {
			w.ch = make(chan struct{})
		}
		ch := w.ch
		w.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no frame %d", i)
		}
	}
}

func dialWS(t *testing.T, url, query string) (*gws.Conn, *wsRec) {
	t.Helper()
	rec := &wsRec{}
	c, _, err := gws.NewClient(rec, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(url, "http") + query})
	if err != nil {
		t.Fatal(err)
	}
	go c.ReadLoop()
	t.Cleanup(func() { _ = c.WriteClose(1000, nil) })
	return c, rec
}

func TestWebSocketHandshake(t *testing.T) {
	t.Parallel()
	_, url := start(t, &echo{}, engine.Config{})
	c, rec := dialWS(t, url, "?EIO=4&transport=websocket")
	open := rec.next(t, 0)
	if !strings.HasPrefix(open, `0{"sid":"`) || !strings.Contains(open, `"upgrades":[]`) {
		t.Fatalf("open = %q", open)
	}
	_ = c.WriteString("4hi")
	_ = c.WriteMessage(gws.OpcodeBinary, []byte{1, 2})
	if f := rec.next(t, 1); f != "4hi" {
		t.Errorf("echo = %q", f)
	}
	if f := rec.next(t, 2); f != "bin:\x01\x02" {
		t.Errorf("echo = %q", f)
	}
}

func TestUpgrade(t *testing.T) {
	t.Parallel()
	h := &echo{}
	h.Block = nil
	srv, url := start(t, &h.Recorder, engine.Config{})
	q := url + "?EIO=4&transport=polling&sid="
	sid, _ := handshake(t, url)
	sc := srv.Session(sid)

	sc.Send(transport.NewMessage([]byte("a1"), false))
	if _, _, b := do(t, "GET", q+sid, ""); b != "4a1" {
		t.Fatalf("GET = %q", b)
	}
	pending := make(chan string)
	go func() { _, _, b := do(t, "GET", q+sid, ""); pending <- b }()

	ws, rec := dialWS(t, url, "?EIO=4&transport=websocket&sid="+sid)
	_ = ws.WriteString("2probe")
	if f := rec.next(t, 0); f != "3probe" {
		t.Fatalf("probe answer = %q", f)
	}
	select {
	case b := <-pending:
		if b != "6" {
			t.Fatalf("pending GET = %q, want noop", b)
		}
	case <-time.After(time.Second):
		t.Fatal("pending GET not answered after probe")
	}
	// A GET issued during the upgrade is answered with a noop at once too.
	if code, _, b := do(t, "GET", q+sid, ""); code != 200 || b != "6" {
		t.Fatalf("GET during upgrade = %d %q, want noop", code, b)
	}
	// Packets queued on both sides before the switch.
	sc.Send(transport.NewMessage([]byte("b1"), false), transport.NewMessage([]byte{9}, true))
	do(t, "POST", q+sid, "4c1")
	_ = ws.WriteString("5")
	_ = ws.WriteString("4c2")
	sc.Send(transport.NewMessage([]byte("b2"), false))
	for i, want := range []string{"4b1", "bin:\x09", "4b2"} {
		if f := rec.next(t, i+1); f != want {
			t.Fatalf("ws frame %d = %q, want %q", i+1, f, want)
		}
	}
	if !h.Wait(2*time.Second, func(m []*transport.Message, _ []error) bool { return len(m) >= 2 }) {
		t.Fatal("server did not get c1, c2")
	}
	if m := h.Messages(); len(m) != 2 || string(m[0].Data) != "c1" || string(m[1].Data) != "c2" {
		t.Fatalf("server got %v", m)
	}
	if sc.Transport() != "websocket" {
		t.Errorf("transport = %q", sc.Transport())
	}
	if code, _, body := do(t, "GET", q+sid, ""); code != 400 || body != errBody(3, "Bad request") {
		t.Errorf("polling after upgrade = %d %q", code, body)
	}
	_, rec2 := dialWS(t, url, "?EIO=4&transport=websocket&sid="+sid)
	if f := rec2.next(t, 0); f != "<closed>" {
		t.Errorf("second websocket got %q, want closed", f)
	}
	// The upgraded session still works.
	sc.Send(transport.NewMessage([]byte("b3"), false))
	if f := rec.next(t, 4); f != "4b3" {
		t.Errorf("after second ws: %q", f)
	}
}

func TestUpgradeTimeout(t *testing.T) {
	t.Parallel()
	_, url := start(t, &echo{}, engine.Config{UpgradeTimeout: 100 * time.Millisecond})
	sid, _ := handshake(t, url)
	ws, rec := dialWS(t, url, "?EIO=4&transport=websocket&sid="+sid)
	_ = ws.WriteString("2probe")
	if f := rec.next(t, 0); f != "3probe" {
		t.Fatalf("probe answer = %q", f)
	}
	if f := rec.next(t, 1); f != "<closed>" {
		t.Fatalf("probe not closed on timeout: %q", f)
	}
	// The polling session survives.
	q := url + "?EIO=4&transport=polling&sid="
	if code, _, body := do(t, "POST", q+sid, "4x"); code != 200 || body != "ok" {
		t.Fatalf("POST after failed upgrade = %d %q", code, body)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	_, plain := start(t, &echo{}, engine.Config{})
	_, any := start(t, &echo{}, engine.Config{CORS: &engine.CORSConfig{Origins: []string{"*"}}})
	_, cred := start(t, &echo{}, engine.Config{CORS: &engine.CORSConfig{Origins: []string{"http://a.test"}, Credentials: true}})
	tests := []struct {
		name, method, url, origin string
		status                    int
		allow, creds, methods     string
	}{
		{"off", "GET", plain + "?EIO=4&transport=polling", "http://x.test", 200, "", "", ""},
		{"star", "GET", any + "?EIO=4&transport=polling", "http://x.test", 200, "*", "", ""},
		{"star on error", "GET", any + "?EIO=3&transport=polling", "http://x.test", 400, "*", "", ""},
		{"preflight", "OPTIONS", any + "?EIO=4&transport=polling", "http://x.test", 204, "*", "", "GET,HEAD,PUT,PATCH,POST,DELETE"},
		{"credentials", "GET", cred + "?EIO=4&transport=polling", "http://a.test", 200, "http://a.test", "true", ""},
		{"credentials other origin", "GET", cred + "?EIO=4&transport=polling", "http://b.test", 200, "", "true", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr, _ := do(t, tt.method, tt.url, "", "Origin", tt.origin)
			got := [4]string{http.StatusText(code), hdr.Get("Access-Control-Allow-Origin"), hdr.Get("Access-Control-Allow-Credentials"), hdr.Get("Access-Control-Allow-Methods")}
			want := [4]string{http.StatusText(tt.status), tt.allow, tt.creds, tt.methods}
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestAllowRequest(t *testing.T) {
	t.Parallel()
	_, url := start(t, &echo{}, engine.Config{AllowRequest: func(r *http.Request) error {
		if r.URL.Query().Get("token") != "ok" {
			return errors.New("no token")
		}
		return nil
	}})
	if code, _, body := do(t, "GET", url+"?EIO=4&transport=polling", ""); code != 403 || body != errBody(4, "no token") {
		t.Errorf("refused = %d %q", code, body)
	}
	if code, _, _ := do(t, "GET", url+"?EIO=4&transport=polling&token=ok", ""); code != 200 {
		t.Errorf("allowed = %d", code)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	h := &echo{}
	srv, url := start(t, h, engine.Config{})
	_, rec := dialWS(t, url, "?EIO=4&transport=websocket")
	rec.next(t, 0)
	sid, _ := handshake(t, url)
	pending := make(chan string)
	go func() { _, _, b := do(t, "GET", url+"?EIO=4&transport=polling&sid="+sid, ""); pending <- b }()
	waitPending(t, srv, sid)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if f := rec.next(t, 1); f != "1" {
		t.Errorf("ws got %q, want close packet", f)
	}
	if f := rec.next(t, 2); f != "<closed>" {
		t.Errorf("ws got %q, want closed", f)
	}
	if b := <-pending; b != "1" {
		t.Errorf("pending GET = %q, want close packet", b)
	}
	for _, r := range h.Reasons() {
		if !errors.Is(r, transport.ErrServerShutdown) {
			t.Errorf("reason %v, want ErrServerShutdown", r)
		}
	}
	if n := len(h.Reasons()); n != 2 {
		t.Errorf("%d OnClose calls, want 2", n)
	}
	if code, _, _ := do(t, "GET", url+"?EIO=4&transport=polling", ""); code != 503 {
		t.Errorf("handshake after shutdown = %d, want 503", code)
	}
}

// TestSecondWebSocket: a WebSocket naming the sid of a session opened over
// WebSocket is closed, and the session keeps working.
func TestSecondWebSocket(t *testing.T) {
	t.Parallel()
	srv, url := start(t, &echo{}, engine.Config{})
	c, rec := dialWS(t, url, "?EIO=4&transport=websocket")
	open := rec.next(t, 0)
	sid := open[9:29]
	_, rec2 := dialWS(t, url, "?EIO=4&transport=websocket&sid="+sid)
	if f := rec2.next(t, 0); f != "<closed>" {
		t.Errorf("second websocket got %q, want closed", f)
	}
	_ = c.WriteString("4still")
	if f := rec.next(t, 1); f != "4still" {
		t.Errorf("first websocket after the second: %q", f)
	}
	if srv.Session(sid) == nil {
		t.Error("session gone")
	}
}

func TestConnectionErrorHook(t *testing.T) {
	t.Parallel()
	type event struct {
		code int
		msg  string
	}
	events := make(chan event, 1)
	_, url := start(t, &echo{}, engine.Config{
		OnConnectionError: func(code int, msg string, r *http.Request) {
			if r == nil {
				panic("no request")
			}
			events <- event{code, msg}
		},
		AllowRequest: func(r *http.Request) error {
			if r.URL.Query().Get("deny") != "" {
				return errors.New("denied")
			}
			return nil
		},
	})
	tests := []struct {
		name, query string
		want        event
	}{
		{"unknown transport", "?EIO=4&transport=carrier", event{0, "Transport unknown"}},
		{"unknown sid", "?EIO=4&transport=polling&sid=nope", event{1, "Session ID unknown"}},
		{"forbidden", "?EIO=4&transport=polling&deny=1", event{4, "denied"}},
		{"protocol", "?EIO=3&transport=polling", event{5, "Unsupported protocol version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			do(t, "GET", url+tt.query, "")
			select {
			case got := <-events:
				if got != tt.want {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
			case <-time.After(time.Second):
				t.Fatal("no OnConnectionError call")
			}
		})
	}
	// A good handshake calls nothing.
	handshake(t, url)
	select {
	case got := <-events:
		t.Errorf("unexpected %+v", got)
	default:
	}
}

func TestCookie(t *testing.T) {
	t.Parallel()
	_, plain := start(t, &echo{}, engine.Config{})
	_, url := start(t, &echo{}, engine.Config{Cookie: &http.Cookie{HttpOnly: true, SameSite: http.SameSiteLaxMode}})
	_, named := start(t, &echo{}, engine.Config{Cookie: &http.Cookie{Name: "lb", Path: "/app"}})
	tests := []struct {
		name, url, want string
	}{
		{"off", plain, ""},
		{"node defaults", url, "io=%s; Path=/; HttpOnly; SameSite=Lax"},
		{"named", named, "lb=%s; Path=/app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr, body := do(t, "GET", tt.url+"?EIO=4&transport=polling", "")
			if code != 200 {
				t.Fatalf("handshake %d", code)
			}
			want := tt.want
			if want != "" {
				want = fmt.Sprintf(want, body[9:29])
			}
			if got := hdr.Get("Set-Cookie"); got != want {
				t.Errorf("Set-Cookie = %q, want %q", got, want)
			}
		})
	}
}
