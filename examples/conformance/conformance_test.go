package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 3 * time.Second

// start runs the conformance server in-process on a random port and returns
// its base URL ("http://127.0.0.1:port").
func start(t *testing.T) string {
	t.Helper()
	srv, err := newServer(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts.URL
}

var client = &http.Client{Timeout: 5 * time.Second}

// do sends one request and returns the status and body.
func do(t *testing.T, method, url, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return res.StatusCode, string(b), res.Header
}

func pollURL(base, path, sid string) string {
	u := base + path + "?EIO=4&transport=polling"
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

type openPacket struct {
	Sid          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// checkOpen checks an Engine.IO open packet and returns it decoded.
func checkOpen(t *testing.T, body string, upgrades []string) openPacket {
	t.Helper()
	if !strings.HasPrefix(body, "0{") {
		t.Fatalf("open packet = %q, want 0{...}", body)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body[1:]), &fields); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range fields {
			if !yield(k) {
				return
			}
		}
	})
	if want := []string{"maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"}; !slices.Equal(keys, want) {
		t.Errorf("handshake keys = %v, want exactly %v", keys, want)
	}
	if got := string(fields["upgrades"]); got == "null" {
		t.Errorf("upgrades = null, want an array")
	}
	var p openPacket
	if err := json.Unmarshal([]byte(body[1:]), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Sid) != 20 || !slices.Equal(p.Upgrades, upgrades) || p.PingInterval != 300 || p.PingTimeout != 200 || p.MaxPayload != 1000000 {
		t.Errorf("handshake = %+v, want 20-char sid, upgrades %v, 300/200/1000000", p, upgrades)
	}
	return p
}

// handshake opens a polling session on path and returns its sid.
func handshake(t *testing.T, base, path string) string {
	t.Helper()
	code, body, _ := do(t, "GET", pollURL(base, path, ""), "")
	if code != 200 {
		t.Fatalf("handshake status %d: %s", code, body)
	}
	return checkOpen(t, body, []string{"websocket"}).Sid
}

// frame is one WebSocket message.
type frame struct {
	data   string
	binary bool
}

// wsConn is a raw WebSocket client that answers Engine.IO pings ("2") with
// pongs ("3") unless told not to, and records every frame.
type wsConn struct {
	conn   *gws.Conn
	frames chan frame
	closed chan struct{}
	noPong bool
	once   sync.Once
}

func (w *wsConn) OnOpen(*gws.Conn)             {}
func (w *wsConn) OnClose(*gws.Conn, error)     { w.once.Do(func() { close(w.closed) }) }
func (w *wsConn) OnPing(c *gws.Conn, p []byte) { _ = c.WritePong(p) }
func (w *wsConn) OnPong(*gws.Conn, []byte)     {}
func (w *wsConn) OnMessage(c *gws.Conn, m *gws.Message) {
	f := frame{data: string(m.Bytes()), binary: m.Opcode == gws.OpcodeBinary}
	m.Close()
	if !f.binary && f.data == "2" && !w.noPong {
		_ = c.WriteString("3")
	}
	select {
	case w.frames <- f:
	default: // a test that stopped reading; drop
	}
}

// dialWS opens a WebSocket to url (ws://...) and fails the test on error.
func dialWS(t *testing.T, url string) *wsConn {
	t.Helper()
	w, _, err := tryWS(t, url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return w
}

func tryWS(t *testing.T, url string) (*wsConn, *http.Response, error) {
	w := &wsConn{frames: make(chan frame, 256), closed: make(chan struct{})}
	c, res, err := gws.NewClient(w, &gws.ClientOption{Addr: url})
	if err != nil {
		return nil, res, err
	}
	w.conn = c
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.ReadLoop()
	}()
	t.Cleanup(func() {
		_ = c.NetConn().Close()
		<-done
	})
	return w, res, nil
}

func wsURL(base, path, sid string) string {
	u := strings.Replace(base, "http://", "ws://", 1) + path + "?EIO=4&transport=websocket"
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

func (w *wsConn) send(t *testing.T, text string) {
	t.Helper()
	if err := w.conn.WriteString(text); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

func (w *wsConn) sendBinary(t *testing.T, b []byte) {
	t.Helper()
	if err := w.conn.WriteMessage(gws.OpcodeBinary, b); err != nil {
		t.Fatalf("send binary: %v", err)
	}
}

// next returns the next frame, skipping pings unless withPings.
func (w *wsConn) next(t *testing.T, withPings bool) frame {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case f := <-w.frames:
			if !withPings && !f.binary && f.data == "2" {
				continue
			}
			return f
		case <-w.closed:
			t.Fatal("connection closed while waiting for a frame")
		case <-timer.C:
			t.Fatal("no frame within 3 s")
		}
	}
}

func (w *wsConn) expect(t *testing.T, want string) {
	t.Helper()
	if f := w.next(t, false); f.binary || f.data != want {
		t.Fatalf("frame = %q (binary %v), want text %q", f.data, f.binary, want)
	}
}

func (w *wsConn) expectBinary(t *testing.T, want []byte) {
	t.Helper()
	if f := w.next(t, false); !f.binary || f.data != string(want) {
		t.Fatalf("frame = %q (binary %v), want binary %v", f.data, f.binary, want)
	}
}

// waitClosed waits until the server closes the connection.
func (w *wsConn) waitClosed(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-w.closed:
	case <-time.After(within):
		t.Fatalf("connection still open after %v", within)
	}
}

// sioConnect opens a WebSocket Socket.IO session: the open packet, then
// CONNECT to nsp, and returns the connection and the CONNECT reply.
func sioConnect(t *testing.T, base, connect string) (*wsConn, string) {
	t.Helper()
	w := dialWS(t, wsURL(base, "/socket.io/", ""))
	f := w.next(t, false)
	checkOpen(t, f.data, []string{})
	w.send(t, connect)
	return w, w.next(t, false).data
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	base := start(t)
	for _, path := range []string{"/engine.io/", "/socket.io/"} {
		code, body, h := do(t, "GET", pollURL(base, path, ""), "")
		if code != 200 {
			t.Fatalf("%s: status %d", path, code)
		}
		checkOpen(t, body, []string{"websocket"})
		if got := h.Get("Content-Type"); got != "text/plain; charset=UTF-8" {
			t.Errorf("%s: Content-Type = %q", path, got)
		}
		if got := h.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin = %q, want *", path, got)
		}
		w := dialWS(t, wsURL(base, path, ""))
		checkOpen(t, w.next(t, false).data, []string{})
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	base := start(t)
	tests := []struct {
		name, method, query string
	}{
		{"missing EIO", "GET", "transport=polling"},
		{"EIO abc", "GET", "EIO=abc&transport=polling"},
		{"EIO 3", "GET", "EIO=3&transport=polling"},
		{"missing transport", "GET", "EIO=4"},
		{"unknown transport", "GET", "EIO=4&transport=foo"},
		{"websocket over plain GET", "GET", "EIO=4&transport=websocket"},
		{"POST handshake", "POST", "EIO=4&transport=polling"},
		{"PUT handshake", "PUT", "EIO=4&transport=polling"},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{"/engine.io/", "/socket.io/"} {
				if code, body, _ := do(t, tt.method, base+path+"?"+tt.query, ""); code != 400 {
					t.Errorf("%s %s?%s = %d %s, want 400", tt.method, path, tt.query, code, body)
				}
			}
		})
	}
	t.Run("websocket with bad params", func(t *testing.T) {
		t.Parallel()
		for _, q := range []string{"EIO=3&transport=websocket", "transport=websocket", "EIO=4&transport=websocket&sid=nope"} {
			w, _, err := tryWS(t, strings.Replace(base, "http://", "ws://", 1)+"/engine.io/?"+q)
			if err == nil {
				w.waitClosed(t, wait)
			}
		}
	})
}

func TestPollingEcho(t *testing.T) {
	t.Parallel()
	base := start(t)
	tests := []struct{ name, post, want string }{
		{"text", "4hello", "4hello"},
		{"batch", "4hello\x1e4world\x1e4€", "4hello\x1e4world\x1e4€"},
		{"binary", "b" + base64.StdEncoding.EncodeToString([]byte{1, 2, 3, 4, 0, 255}), "bAQIDBAD/"},
		{"mixed", "4a\x1ebAA==\x1e4b", "4a\x1ebAA==\x1e4b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sid := handshake(t, base, "/engine.io/")
			u := pollURL(base, "/engine.io/", sid)
			if code, body, _ := do(t, "POST", u, tt.post); code != 200 || body != "ok" {
				t.Fatalf("POST = %d %q, want 200 ok", code, body)
			}
			if code, body, _ := do(t, "GET", u, ""); code != 200 || body != tt.want {
				t.Fatalf("GET = %d %q, want 200 %q", code, body, tt.want)
			}
		})
	}
}

func TestPollingSessionErrors(t *testing.T) {
	t.Parallel()
	base := start(t)
	t.Run("bad packet kills the session", func(t *testing.T) {
		t.Parallel()
		sid := handshake(t, base, "/engine.io/")
		u := pollURL(base, "/engine.io/", sid)
		if code, _, _ := do(t, "POST", u, "abc"); code != 400 {
			t.Fatalf("POST abc = %d, want 400", code)
		}
		if code, _, _ := do(t, "GET", u, ""); code != 400 {
			t.Fatalf("GET after bad packet = %d, want 400", code)
		}
	})
	t.Run("concurrent GETs", func(t *testing.T) {
		t.Parallel()
		sid := handshake(t, base, "/engine.io/")
		u := pollURL(base, "/engine.io/", sid)
		type result struct {
			code int
			body string
		}
		first := make(chan result, 1)
		go func() {
			code, body, _ := do(t, "GET", u, "")
			first <- result{code, body}
		}()
		waitPending()
		code, _, _ := do(t, "GET", u, "")
		if code != 400 {
			t.Errorf("second GET = %d, want 400", code)
		}
		if r := <-first; r.code != 200 || r.body != "1" {
			t.Errorf("first GET = %d %q, want 200 \"1\"", r.code, r.body)
		}
		if code, _, _ := do(t, "GET", u, ""); code != 400 {
			t.Errorf("GET after = %d, want 400 (session dead)", code)
		}
	})
	t.Run("close while a GET is pending", func(t *testing.T) {
		t.Parallel()
		sid := handshake(t, base, "/engine.io/")
		u := pollURL(base, "/engine.io/", sid)
		got := make(chan string, 1)
		go func() {
			_, body, _ := do(t, "GET", u, "")
			got <- body
		}()
		waitPending()
		if code, body, _ := do(t, "POST", u, "1"); code != 200 || body != "ok" {
			t.Fatalf("POST 1 = %d %q", code, body)
		}
		if body := <-got; body != "6" {
			t.Errorf("pending GET = %q, want \"6\"", body)
		}
		if code, _, _ := do(t, "GET", u, ""); code != 400 {
			t.Errorf("GET after close = %d, want 400", code)
		}
	})
}

// waitPending gives a GET issued by another goroutine time to reach the
// server. There is no observable signal for "a GET is pending", so it
// sleeps briefly; the assertions after it do not depend on timing otherwise.
func waitPending() {

	time.Sleep(100 * time.Millisecond)
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	base := start(t)
	opened := time.Now()
	sid := handshake(t, base, "/engine.io/")
	u := pollURL(base, "/engine.io/", sid)
	code, body, _ := do(t, "GET", u, "")
	elapsed := time.Since(opened)
	if code != 200 || body != "2" {
		t.Fatalf("first poll = %d %q, want exactly \"2\"", code, body)
	}
	if elapsed < 250*time.Millisecond {
		t.Errorf("ping after %v, want at pingInterval (300 ms)", elapsed)
	}
	// no pong: the session is gone pingTimeout (200 ms) after the ping
	time.Sleep(time.Until(opened.Add(650 * time.Millisecond)))
	if code, body, _ := do(t, "GET", u, ""); code != 400 {
		t.Errorf("GET at 650 ms without pong = %d %q, want 400", code, body)
	}
	t.Run("pong keeps the session", func(t *testing.T) {
		sid := handshake(t, base, "/engine.io/")
		u := pollURL(base, "/engine.io/", sid)
		for range 3 {
			if code, body, _ := do(t, "GET", u, ""); code != 200 || body != "2" {
				t.Fatalf("poll = %d %q, want \"2\" (no stray noops)", code, body)
			}
			if code, _, _ := do(t, "POST", u, "3"); code != 200 {
				t.Fatalf("POST pong = %d", code)
			}
		}
	})
}

func TestUpgrade(t *testing.T) {
	t.Parallel()
	base := start(t)
	sid := handshake(t, base, "/engine.io/")
	u := pollURL(base, "/engine.io/", sid)
	w := dialWS(t, wsURL(base, "/engine.io/", sid))
	w.send(t, "2probe")
	w.expect(t, "3probe")
	if code, body, _ := do(t, "GET", u, ""); code != 200 || body != "6" {
		t.Fatalf("GET after probe = %d %q, want \"6\"", code, body)
	}
	w.send(t, "5")
	w.send(t, "4hello")
	w.expect(t, "4hello")
	w.sendBinary(t, []byte{1, 2, 3})
	w.expectBinary(t, []byte{1, 2, 3})
	if code, _, _ := do(t, "GET", u, ""); code != 400 {
		t.Errorf("polling after upgrade = %d, want 400", code)
	}
	second, _, err := tryWS(t, wsURL(base, "/engine.io/", sid))
	if err == nil {
		second.waitClosed(t, wait)
	}
	w.send(t, "4still")
	w.expect(t, "4still")
}

func TestWebSocketEcho(t *testing.T) {
	t.Parallel()
	base := start(t)
	w := dialWS(t, wsURL(base, "/engine.io/", ""))
	checkOpen(t, w.next(t, false).data, []string{})
	w.send(t, "4hello €")
	w.expect(t, "4hello €")
	w.sendBinary(t, []byte{0, 9, 255})
	w.expectBinary(t, []byte{0, 9, 255})
}

func TestSocketIOConnect(t *testing.T) {
	t.Parallel()
	base := start(t)
	tests := []struct {
		name, connect, prefix, auth string
	}{
		{"main", "40", "40", `42["auth",{}]`},
		{"main with auth", `40{"token":"123"}`, "40", `42["auth",{"token":"123"}]`},
		{"custom", "40/custom,", "40/custom,", `42/custom,["auth",{}]`},
		{"custom with auth", `40/custom,{"a":[1]}`, "40/custom,", `42/custom,["auth",{"a":[1]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, reply := sioConnect(t, base, tt.connect)
			if !strings.HasPrefix(reply, tt.prefix+"{") {
				t.Fatalf("CONNECT reply = %q, want %s{...}", reply, tt.prefix)
			}
			var fields map[string]any
			if err := json.Unmarshal([]byte(reply[len(tt.prefix):]), &fields); err != nil {
				t.Fatal(err)
			}
			if sid, ok := fields["sid"].(string); !ok || sid == "" || len(fields) != 1 {
				t.Errorf("CONNECT reply payload = %v, want only a sid", fields)
			}
			w.expect(t, tt.auth)
		})
	}
	t.Run("unknown namespace", func(t *testing.T) {
		t.Parallel()
		_, reply := sioConnect(t, base, "40/random")
		if want := `44/random,{"message":"Invalid namespace"}`; reply != want {
			t.Errorf("reply = %q, want %q", reply, want)
		}
	})
}

func TestSocketIOInvalidPackets(t *testing.T) {
	t.Parallel()
	base := start(t)
	for _, pkt := range []string{"4abc", "42{}", `42abc["message"]`, `42["connect"]`, "4"} {
		t.Run(pkt, func(t *testing.T) {
			t.Parallel()
			w, _ := sioConnect(t, base, "40")
			w.expect(t, `42["auth",{}]`)
			w.send(t, pkt)
			w.waitClosed(t, wait)
		})
	}
}

func TestSocketIOConnectTimeout(t *testing.T) {
	t.Parallel()
	base := start(t)
	w := dialWS(t, wsURL(base, "/socket.io/", ""))
	checkOpen(t, w.next(t, false).data, []string{})
	begin := time.Now()
	w.waitClosed(t, 2*time.Second)
	if d := time.Since(begin); d < 800*time.Millisecond {
		t.Errorf("closed after %v, want connectTimeout (1 s)", d)
	}
}

func TestSocketIODisconnect(t *testing.T) {
	t.Parallel()
	base := start(t)
	w, _ := sioConnect(t, base, "40")
	w.expect(t, `42["auth",{}]`)
	w.send(t, "41")
	if f := w.next(t, true); f.data != "2" {
		t.Fatalf("frame after 41 = %q, want a ping", f.data)
	}
	select {
	case <-w.closed:
		t.Fatal("transport closed after 41")
	default:
	}
}

func TestSocketIOEvents(t *testing.T) {
	t.Parallel()
	base := start(t)
	tests := []struct {
		name  string
		send  []string
		bin   [][]byte
		want  string
		wantB [][]byte
	}{
		{"plain", []string{`42["message",1,"2",{"3":[true]}]`}, nil, `42["message-back",1,"2",{"3":[true]}]`, nil},
		{"exact JSON", []string{`42["message",{"3":[true]},12345678901234567890,1.50,-0]`}, nil, `42["message-back",{"3":[true]},12345678901234567890,1.50,-0]`, nil},
		{"no args", []string{`42["message"]`}, nil, `42["message-back"]`, nil},
		{"binary", []string{`451-["message",{"_placeholder":true,"num":0}]`}, [][]byte{{1, 2, 3}}, `451-["message-back",{"_placeholder":true,"num":0}]`, [][]byte{{1, 2, 3}}},
		{"two binaries", []string{`452-["message",{"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1}]`}, [][]byte{{1}, {2, 3}}, `452-["message-back",{"_placeholder":true,"num":0},"x",{"_placeholder":true,"num":1}]`, [][]byte{{1}, {2, 3}}},
		{"ack", []string{`42456["message-with-ack",1,"2",{"3":[true]}]`}, nil, `43456[1,"2",{"3":[true]}]`, nil},
		{"binary ack", []string{`451-789["message-with-ack",{"_placeholder":true,"num":0}]`}, [][]byte{{4, 5}}, `461-789[{"_placeholder":true,"num":0}]`, [][]byte{{4, 5}}},
		{"exact JSON beside binary",
			[]string{`452-["message",{"z":1,"a":12345678901234567890,"m":{"y":1.50,"b":[-0]}},{"k":{"_placeholder":true,"num":1},"e":"\u00e9"},9007199254740993,{"num":0,"_placeholder":true}]`},
			[][]byte{{1}, {2, 3}},
			`452-["message-back",{"z":1,"a":12345678901234567890,"m":{"y":1.50,"b":[-0]}},{"k":{"_placeholder":true,"num":1},"e":"\u00e9"},9007199254740993,{"num":0,"_placeholder":true}]`,
			[][]byte{{1}, {2, 3}}},
		{"exact JSON beside binary ack",
			[]string{`452-5["message-with-ack",{"z":1,"a":12345678901234567890},[{"_placeholder":true,"num":1},{"b":2,"a":1}],{"_placeholder":true,"num":0}]`},
			[][]byte{{7}, {8}},
			`462-5[{"z":1,"a":12345678901234567890},[{"_placeholder":true,"num":1},{"b":2,"a":1}],{"_placeholder":true,"num":0}]`,
			[][]byte{{7}, {8}}},
		{"placeholder lookalike without binary", []string{`42["message",{"_placeholder":true,"num":3}]`}, nil, `42["message-back",{"_placeholder":true,"num":3}]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, _ := sioConnect(t, base, "40")
			w.expect(t, `42["auth",{}]`)
			for _, s := range tt.send {
				w.send(t, s)
			}
			for _, b := range tt.bin {
				w.sendBinary(t, b)
			}
			w.expect(t, tt.want)
			for _, b := range tt.wantB {
				w.expectBinary(t, b)
			}
		})
	}
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		sid := handshake(t, base, "/socket.io/")
		u := pollURL(base, "/socket.io/", sid)
		do(t, "POST", u, "40")
		if _, body, _ := do(t, "GET", u, ""); !strings.HasPrefix(body, `40{"sid":"`) || !strings.HasSuffix(body, "\x1e"+`42["auth",{}]`) {
			t.Fatalf("GET = %q, want CONNECT reply then auth", body)
		}
		do(t, "POST", u, `451-["message",{"_placeholder":true,"num":0}]`+"\x1ebAQID")
		if _, body, _ := do(t, "GET", u, ""); body != `451-["message-back",{"_placeholder":true,"num":0}]`+"\x1ebAQID" {
			t.Fatalf("GET = %q", body)
		}
	})
}

// TestSocketIOEmitWithAck covers the socket.io-protocol suite's
// acknowledgements: the server asks for an ack (its first ack id is 0, per
// socket) and re-emits the ack's arguments, binary as binary.
func TestSocketIOEmitWithAck(t *testing.T) {
	t.Parallel()
	base := start(t)
	const bin = `{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},"test"`
	tests := []struct {
		name, send, wantEmit, ack, wantBack string
		bin                                 [][]byte
	}{
		{"plain", `42["emit-with-ack",1,"2",{"3":[true]}]`, `420["emit-with-ack",1,"2",{"3":[true]}]`,
			`430[1,"2",{"3":[false]}]`, `42["emit-with-ack",1,"2",{"3":[false]}]`, nil},
		{"binary", `452-["emit-with-ack",1,` + bin + `]`, `452-0["emit-with-ack",1,` + bin + `]`,
			`462-0[1,` + bin + `]`, `452-["emit-with-ack",1,` + bin + `]`, [][]byte{{1, 2, 3}, {4, 5, 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, _ := sioConnect(t, base, "40")
			w.expect(t, `42["auth",{}]`)
			round := func(send, want string) {
				w.send(t, send)
				for _, b := range tt.bin {
					w.sendBinary(t, b)
				}
				w.expect(t, want)
				for _, b := range tt.bin {
					w.expectBinary(t, b)
				}
			}
			round(tt.send, tt.wantEmit)
			round(tt.ack, tt.wantBack)
		})
	}
}
