package polling

import (
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
)

// Config configures the polling transport. The zero value is valid.
type Config struct {
	// Compression enables gzip or deflate (Node's httpCompression) for
	// responses of at least CompressionThreshold bytes when the client's
	// Accept-Encoding allows it. Off by default.
	Compression bool
	// CompressionThreshold defaults to 1024 bytes.
	CompressionThreshold int
}

// Transport is the long-polling engine.Transport. It is safe for concurrent
// use and may serve several Servers.
type Transport struct {
	cfg Config
}

// New returns a polling Transport for cfg.
func New(cfg Config) *Transport {
	if cfg.CompressionThreshold <= 0 {
		cfg.CompressionThreshold = 1024
	}
	return &Transport{cfg: cfg}
}

// Name returns "polling".
func (t *Transport) Name() string { return "polling" }

// conn is the engine.Writer of one polling session.
type conn struct {
	sess atomic.Pointer[engine.Session]
	wake chan struct{}

	mu      sync.Mutex
	getting bool
	posting bool

	// Used only by the one pending GET.
	pkts []engine.Packet
	buf  []byte
}

// Wake signals the pending GET, if any.
func (c *conn) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) begin(flag *bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *flag {
		return false
	}
	*flag = true
	return true
}

func (c *conn) end(flag *bool) {
	c.mu.Lock()
	*flag = false
	c.mu.Unlock()
}

// Serve handles a validated polling request.
func (t *Transport) Serve(srv *engine.Server, sess *engine.Session, w http.ResponseWriter, r *http.Request) {
	if sess == nil {
		t.handshake(srv, w, r)
		return
	}
	c, ok := sess.Writer().(*conn)
	if !ok {
		srv.Refuse(w, r, engine.CodeBadRequest, "")
		return
	}
	switch r.Method {
	case http.MethodGet:
		t.poll(srv, sess, c, w, r)
	case http.MethodPost:
		t.post(srv, sess, c, w, r)
	default:
		w.WriteHeader(http.StatusInternalServerError)
	}
}

func (t *Transport) handshake(srv *engine.Server, w http.ResponseWriter, r *http.Request) {
	c := &conn{wake: make(chan struct{}, 1)}
	sess, err := srv.Open(c, engine.NewHandshake(r, t.Name()))
	if errors.Is(err, engine.ErrServerClosed) {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		srv.Refuse(w, r, engine.CodeForbidden, err.Error())
		return
	}
	c.sess.Store(sess)
	srv.SetCookie(w.Header(), sess.ID())
	t.poll(srv, sess, c, w, r)
}

// errOverlap and friends wrap transport.ErrTransportError.
var (
	errOverlap = fmt.Errorf("%w: polling: overlapping requests", transport.ErrTransportError)
	errBinary  = fmt.Errorf("%w: polling: application/octet-stream body", transport.ErrTransportError)
	errAborted = errors.New("polling: poll aborted")
)

func (t *Transport) poll(srv *engine.Server, sess *engine.Session, c *conn, w http.ResponseWriter, r *http.Request) {
	if !c.begin(&c.getting) {
		w.WriteHeader(http.StatusBadRequest)
		sess.Fail(c, errOverlap)
		return
	}
	defer c.end(&c.getting)
	max := srv.Config().MaxPayload
	for {
		pkts, done := sess.Take(c, c.pkts[:0], max)
		if len(pkts) > 0 {
			c.buf = AppendPayload(c.buf[:0], pkts)
			clear(pkts)
			c.pkts = pkts[:0]
			t.write(w, r, c.buf)
			return
		}
		if done {
			srv.Refuse(w, r, engine.CodeUnknownSID, "")
			return
		}
		select {
		case <-c.wake:
		case <-r.Context().Done():
			sess.Closed(c, errAborted)
			return
		}
	}
}

// AppendPayload appends pkts as a polling payload: each packet in polling
// form, joined by codec.PayloadSeparator.
func AppendPayload(dst []byte, pkts []engine.Packet) []byte {
	for i, p := range pkts {
		if i > 0 {
			dst = append(dst, codec.PayloadSeparator)
		}
		dst = codec.AppendPayloadPacket(dst, p.Engine())
	}
	return dst
}

func (t *Transport) write(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	if enc := t.encoding(r, len(body)); enc != "" {
		h.Set("Content-Encoding", enc)
		h.Add("Vary", "Accept-Encoding")
		w.WriteHeader(http.StatusOK)
		var zw io.WriteCloser
		if enc == "gzip" {
			zw = gzip.NewWriter(w)
		} else {
			zw, _ = flate.NewWriter(w, flate.DefaultCompression)
		}
		_, _ = zw.Write(body)
		_ = zw.Close()
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// encoding picks gzip or deflate for a body of n bytes, or "".
func (t *Transport) encoding(r *http.Request, n int) string {
	if !t.cfg.Compression || n < t.cfg.CompressionThreshold {
		return ""
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(q) == "q=0" {
			continue
		}
		if name = strings.ToLower(strings.TrimSpace(name)); name == "gzip" || name == "deflate" {
			return name
		}
	}
	return ""
}

func (t *Transport) post(srv *engine.Server, sess *engine.Session, c *conn, w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/octet-stream") {
		w.WriteHeader(http.StatusBadRequest)
		sess.Fail(c, errBinary)
		return
	}
	if !c.begin(&c.posting) {
		w.WriteHeader(http.StatusBadRequest)
		sess.Fail(c, errOverlap)
		return
	}
	defer c.end(&c.posting)
	max := srv.Config().MaxPayload
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	switch {
	case err != nil:
		sess.Closed(c, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	case len(body) > max:
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	var recvErr error
	err = codec.DecodePayload(body, func(p codec.EnginePacket) error {
		recvErr = sess.Receive(c, p)
		return recvErr
	})
	switch {
	case err == nil, errors.Is(recvErr, transport.ErrClosed):
	case recvErr == nil:
		sess.Fail(c, fmt.Errorf("%w: %w", transport.ErrParse, err))
		fallthrough
	default:
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}
