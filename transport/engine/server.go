package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// Transport is one way of carrying Engine.IO sessions over HTTP, registered
// with a Server through Config.Transports (polling.New(), ws.New(...)).
// Implementations must be safe for concurrent use.
type Transport interface {
	// Name is the value of the "transport" query parameter it serves
	// ("polling", "websocket").
	Name() string
	// Serve handles a request the Server has validated. sess is nil for a
	// handshake (the transport calls srv.Open) and otherwise the session
	// named by the sid parameter: a poll or post of that session, or a
	// WebSocket probing an upgrade (Session.Probe). Goroutines that outlive
	// the request must be started with srv.Go.
	Serve(srv *Server, sess *Session, w http.ResponseWriter, r *http.Request)
}

// ErrServerClosed is returned by Open after Shutdown or Close.
var ErrServerClosed = errors.New("engine: server closed")

// Error codes of the Engine.IO protocol, sent as {"code":N,"message":...}.
const (
	CodeUnknownTransport    = 0 // "Transport unknown"
	CodeUnknownSID          = 1 // "Session ID unknown"
	CodeBadHandshakeMethod  = 2 // "Bad handshake method"
	CodeBadRequest          = 3 // "Bad request"
	CodeForbidden           = 4 // "Forbidden"
	CodeUnsupportedProtocol = 5 // "Unsupported protocol version"
)

var codeMessages = [...]string{"Transport unknown", "Session ID unknown", "Bad handshake method",
	"Bad request", "Forbidden", "Unsupported protocol version"}

// Server is an Engine.IO server: an http.Handler for Config.Path. All
// methods are safe for concurrent use.
type Server struct {
	cfg      Config
	upgrades map[string][]byte // transport name -> upgrades JSON array

	mu       sync.Mutex
	sessions map[string]*Session
	closed   bool

	group group
}

// NewServer returns a Server for cfg.
func NewServer(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	srv := &Server{cfg: cfg, sessions: make(map[string]*Session), upgrades: make(map[string][]byte)}
	var names []string
	for _, t := range cfg.Transports {
		if t.Name() != "polling" {
			names = append(names, strconv.Quote(t.Name()))
		}
	}
	for _, t := range cfg.Transports {
		up := "[]"
		if t.Name() == "polling" && !cfg.DisableUpgrades && len(names) > 0 {
			up = "[" + strings.Join(names, ",") + "]"
		}
		srv.upgrades[t.Name()] = []byte(up)
	}
	return srv, nil
}

// Config returns the server's configuration with defaults applied.
func (srv *Server) Config() Config { return srv.cfg }

// Go runs f in a goroutine that Shutdown and Close wait for. Transports
// start every goroutine that outlives a request with it.
func (srv *Server) Go(f func()) { srv.group.Go(f) }

// Len returns the number of open sessions.
func (srv *Server) Len() int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.sessions)
}

// Session returns the open session with the given sid, or nil.
func (srv *Server) Session(sid string) *Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.sessions[sid]
}

// ServeHTTP validates an Engine.IO request and hands it to its transport.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, srv.cfg.Path) {
		http.NotFound(w, r)
		return
	}
	if srv.cfg.CORS != nil && srv.cfg.CORS.apply(w.Header(), r) {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	t, sess, code, msg := srv.route(r)
	if code >= 0 {
		srv.Refuse(w, r, code, msg)
		return
	}
	if t == nil {
		http.Error(w, ErrServerClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	t.Serve(srv, sess, w, r)
}

// route returns the transport and session for r, or an error code (>= 0).
func (srv *Server) route(r *http.Request) (t Transport, sess *Session, code int, msg string) {
	q := query(r.URL.RawQuery)
	name := q.Get("transport")
	for _, c := range srv.cfg.Transports {
		if c.Name() == name {
			t = c
			break
		}
	}
	if t == nil {
		return nil, nil, CodeUnknownTransport, ""
	}
	if !validHeader(r.Header.Get("Origin")) {
		return nil, nil, CodeBadRequest, ""
	}
	upgrade := IsWebSocketUpgrade(r)
	if sid := q.Get("sid"); sid != "" {
		sess = srv.Session(sid)
		switch {
		case sess == nil:
			return nil, nil, CodeUnknownSID, ""
		case !upgrade && sess.Transport() != name:
			return nil, nil, CodeBadRequest, ""
		case q.Get("EIO") != "4":
			return nil, nil, CodeBadRequest, ""
		}
		return t, sess, -1, ""
	}
	switch {
	case r.Method != http.MethodGet:
		return nil, nil, CodeBadHandshakeMethod, ""
	case name == "websocket" && !upgrade:
		return nil, nil, CodeBadRequest, ""
	}
	if srv.cfg.AllowRequest != nil {
		if err := srv.cfg.AllowRequest(r); err != nil {
			return nil, nil, CodeForbidden, err.Error()
		}
	}
	if q.Get("EIO") != "4" {
		return nil, nil, CodeUnsupportedProtocol, ""
	}
	srv.mu.Lock()
	closed := srv.closed
	srv.mu.Unlock()
	if closed {
		return nil, nil, -1, ""
	}
	return t, nil, -1, ""
}

// query looks parameters up in a raw query without parsing it into a map
// (route runs on every request).
type query string

// Get returns the first value of key, unescaped, like url.Values.Get.
func (q query) Get(key string) string {
	for raw := string(q); raw != ""; {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(k, "%+") {
			k, _ = url.QueryUnescape(k)
		}
		if k != key {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			v, _ = url.QueryUnescape(v)
		}
		return v
	}
	return ""
}

// Refuse answers r with an Engine.IO error like Node: JSON
// {"code":code,"message":msg} for HTTP requests (403 for CodeForbidden, else
// 400), plain text 400 for a WebSocket upgrade. An empty msg is the code's
// standard message.
func (srv *Server) Refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if msg == "" {
		msg = codeMessages[code]
	}
	if f := srv.cfg.OnConnectionError; f != nil {
		if err := protect(func() { f(code, msg, r) }); err != nil {
			srv.cfg.Logger.Error("engine: OnConnectionError panic", "err", err)
		}
	}
	h := w.Header()
	if IsWebSocketUpgrade(r) {
		h.Set("Connection", "close")
		h.Set("Content-Type", "text/html")
		h.Set("Content-Length", strconv.Itoa(len(msg)))
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(msg))
		return
	}
	body := fmt.Appendf(nil, `{"code":%d,"message":%s}`, code, strconv.Quote(msg))
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// SetCookie adds the Set-Cookie header of Config.Cookie for sid to h, if
// Config.Cookie is set. Transports call it on handshake responses.
func (srv *Server) SetCookie(h http.Header, sid string) {
	if srv.cfg.Cookie == nil {
		return
	}
	c := *srv.cfg.Cookie
	c.Value = sid
	if c.Name == "" {
		c.Name = "io"
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if v := c.String(); v != "" {
		h.Add("Set-Cookie", v)
	}
}

// IsWebSocketUpgrade reports whether r asks for a WebSocket upgrade.
func IsWebSocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// validHeader reports whether v has no invalid header characters (Node's
// checkInvalidHeaderChar).
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// NewHandshake describes r for Handler.OnOpen.
func NewHandshake(r *http.Request, transportName string) transport.Handshake {
	return transport.Handshake{
		Header:    r.Header,
		Query:     r.URL.Query(),
		Address:   r.RemoteAddr,
		Time:      time.Now(),
		URL:       r.URL.RequestURI(),
		Secure:    r.TLS != nil,
		XDomain:   r.Header.Get("Origin") != "",
		Transport: transportName,
	}
}

// Open opens a session carried by w, described by hs (hs.Transport names
// the transport: "polling", "websocket", "tcp"). It queues the open packet,
// calls Handler.OnOpen and, if the Handler accepts, registers the session
// and starts its heartbeat. A refusal is returned wrapped and the session is
// discarded without OnClose. Open may call w.Wake before returning; the
// caller wakes w again once it is ready to write.
func (srv *Server) Open(w Writer, hs transport.Handshake) (*Session, error) {
	srv.mu.Lock()
	closed := srv.closed
	srv.mu.Unlock()
	if closed {
		return nil, ErrServerClosed
	}
	s := &Session{srv: srv, id: newID(), writer: w, transport: hs.Transport}
	s.q = append(s.q, Packet{Type: codec.Open, Data: srv.openJSON(s.id, hs.Transport)})

	s.rmu.Lock()
	defer s.rmu.Unlock()
	var refused error
	if err := s.call(func() { refused = srv.cfg.Handler.OnOpen(s, hs) }); err != nil {
		srv.cfg.Logger.Error("engine: handler panic", "sid", s.id, "err", err)
		refused = err
	}
	if refused != nil {
		s.mu.Lock()
		s.closed = true
		s.dropQueue()
		s.mu.Unlock()
		return nil, fmt.Errorf("engine: open refused: %w", refused)
	}
	s.mu.Lock()
	late := false
	if !s.closed {
		srv.mu.Lock()
		late = srv.closed
		if !late {
			srv.sessions[s.id] = s
		}
		srv.mu.Unlock()
		s.armLocked(srv.cfg.PingInterval)
	}
	s.mu.Unlock()
	if late {
		// Shutdown or Close ran during OnOpen and could not see s.
		s.shut(transport.ErrServerShutdown, endNow)
	}
	return s, nil
}

func (srv *Server) openJSON(sid, transportName string) []byte {
	up := srv.upgrades[transportName]
	if up == nil {
		up = []byte("[]")
	}
	return fmt.Appendf(nil, `{"sid":%q,"upgrades":%s,"pingInterval":%d,"pingTimeout":%d,"maxPayload":%d}`,
		sid, up, srv.cfg.PingInterval.Milliseconds(), srv.cfg.PingTimeout.Milliseconds(), srv.cfg.MaxPayload)
}

// newID returns a Node base64id: 15 random bytes, base64url, 20 chars.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (srv *Server) remove(s *Session) {
	srv.mu.Lock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
	srv.mu.Unlock()
}

func (srv *Server) goOnClose(s *Session, reason error) {
	srv.group.Go(func() {
		s.rmu.Lock()
		defer s.rmu.Unlock()
		if err := s.call(func() { srv.cfg.Handler.OnClose(s, reason) }); err != nil {
			srv.cfg.Logger.Error("engine: handler panic", "sid", s.id, "err", err)
		}
	})
}

func (srv *Server) stop() []*Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.closed = true
	all := make([]*Session, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		all = append(all, s)
	}
	return all
}

// Shutdown refuses new sessions, closes every session with
// transport.ErrServerShutdown (queued packets and a close packet are still
// written where a transport can), and waits for the goroutines of the
// server and its transports, or for ctx. A polling session whose client does
// not poll again is dropped when Shutdown returns.
func (srv *Server) Shutdown(ctx context.Context) error {
	for _, s := range srv.stop() {
		s.Close(transport.ErrServerShutdown)
	}
	err := srv.group.Wait(ctx)
	srv.dropDraining()
	if err != nil {
		return fmt.Errorf("engine: shutdown: %w", err)
	}
	return nil
}

// Close closes every session at once with transport.ErrServerShutdown
// (dropping queued packets) and waits for the server's goroutines.
func (srv *Server) Close() error {
	for _, s := range srv.stop() {
		s.shut(transport.ErrServerShutdown, endNow)
	}
	srv.dropDraining()
	return srv.group.Wait(context.Background())
}

func (srv *Server) dropDraining() {
	srv.mu.Lock()
	all := srv.sessions
	srv.sessions = make(map[string]*Session)
	srv.mu.Unlock()
	for _, s := range all {
		s.mu.Lock()
		if s.closeTimer != nil {
			s.closeTimer.Stop()
		}
		s.mu.Unlock()
	}
}

// group tracks goroutines; unlike sync.WaitGroup, Go may run concurrently
// with Wait.
type group struct {
	mu   sync.Mutex
	n    int
	idle chan struct{}
}

func (g *group) Go(f func()) {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
	go func() {
		defer g.done()
		f()
	}()
}

func (g *group) done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

func (g *group) Wait(ctx context.Context) error {
	g.mu.Lock()
	if g.n == 0 {
		g.mu.Unlock()
		return nil
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	ch := g.idle
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
