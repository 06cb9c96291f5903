package ws

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
)

// Config configures the WebSocket transport. The zero value is valid.
type Config struct {
	// Compression enables permessage-deflate when the client offers it.
	// Off by default: compressed frames cannot be shared by a broadcast.
	Compression bool
	// CompressionThreshold is the smallest message compressed. Defaults to
	// 1024 bytes.
	CompressionThreshold int
	// ReadBufferSize is the size of each connection's read buffer, held for
	// the connection's life. Messages larger than it are read straight into
	// their own buffer, so a small size mostly costs an extra read for a
	// burst of small messages. Defaults to 1024 bytes (gws's default is
	// 4096).
	ReadBufferSize int
}

// Transport is the WebSocket engine.Transport. It is safe for concurrent use
// and may serve several Servers.
type Transport struct {
	cfg     Config
	servers sync.Map // *engine.Server -> *server
}

// server is the transport's state for one engine.Server.
type server struct {
	up     *gws.Upgrader
	shards []*shard
	next   atomic.Uint32
}

// New returns a WebSocket Transport for cfg.
func New(cfg Config) *Transport {
	if cfg.CompressionThreshold <= 0 {
		cfg.CompressionThreshold = 1024
	}
	if cfg.ReadBufferSize <= 0 {
		cfg.ReadBufferSize = 1024
	}
	return &Transport{cfg: cfg}
}

// Name returns "websocket".
func (t *Transport) Name() string { return "websocket" }

func (t *Transport) server(srv *engine.Server) *server {
	if v, ok := t.servers.Load(srv); ok {
		return v.(*server)
	}
	cfg := srv.Config()
	log := cfg.Logger
	u := gws.NewUpgrader(events{}, &gws.ServerOption{
		ParallelEnabled:     false,
		ReadMaxPayloadSize:  cfg.MaxPayload,
		ReadBufferSize:      t.cfg.ReadBufferSize,
		WriteMaxPayloadSize: cfg.MaxOutboxBytes + cfg.MaxPayload,
		HandshakeTimeout:    cfg.WriteTimeout,
		Logger:              gwsLogger{log},
		Recovery: func(gws.Logger) {
			if e := recover(); e != nil {
				log.Error("ws: panic in read loop", "panic", e)
			}
		},
		PermessageDeflate: gws.PermessageDeflate{
			Enabled:               t.cfg.Compression,
			Threshold:             t.cfg.CompressionThreshold,
			ServerContextTakeover: true,
			ClientContextTakeover: true,
		},
		NewSession: func() gws.SessionStorage { return &slot{} },
	})
	actual, _ := t.servers.LoadOrStore(srv, &server{up: u, shards: newShards(srv)})
	return actual.(*server)
}

// Serve upgrades r and opens a session over it, or probes an upgrade of sess.
func (t *Transport) Serve(srv *engine.Server, sess *engine.Session, w http.ResponseWriter, r *http.Request) {
	st := t.server(srv)
	nc, br, err := t.hijack(w)
	if err != nil {
		srv.Config().Logger.Debug("ws: hijack", "err", err)
		return
	}
	gc, err := st.up.UpgradeFromConn(nc, br, r)
	if err != nil {
		return // gws answered 400 and closed the connection
	}
	compress := t.cfg.Compression && strings.Contains(r.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate")
	c := newConn(srv, st.shards[st.next.Add(1)%uint32(len(st.shards))], gc, compress)
	gc.Session().(*slot).c = c
	if sess == nil {
		sess, err = srv.Open(c, engine.NewHandshake(r, t.Name()))
	} else {
		err = sess.Probe(c)
	}
	if err != nil {
		_ = gc.NetConn().SetWriteDeadline(time.Now().Add(c.timeout))
		_ = gc.WriteClose(1000, nil)
	} else {
		c.sess.Store(sess)
	}
	srv.Go(gc.ReadLoop)
	c.Wake()
}

// hijack takes over the connection of w. Its read buffer is a new one of
// Config.ReadBufferSize rather than net/http's (4 KiB), unless the client
// already sent bytes that net/http buffered.
func (t *Transport) hijack(w http.ResponseWriter) (net.Conn, *bufio.Reader, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, errNoHijack
	}
	nc, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if rw.Reader.Buffered() > 0 {
		return nc, rw.Reader, nil
	}
	return nc, bufio.NewReaderSize(nc, t.cfg.ReadBufferSize), nil
}

var errNoHijack = errors.New("ws: the ResponseWriter cannot be hijacked")

// slot is the gws SessionStorage of a connection: it holds only our conn.
type slot struct{ c *conn }

func (s *slot) Len() int                     { return 0 }
func (s *slot) Load(string) (any, bool)      { return nil, false }
func (s *slot) Delete(string)                {}
func (s *slot) Store(string, any)            {}
func (s *slot) Range(func(string, any) bool) {}
func connOf(gc *gws.Conn) *conn              { return gc.Session().(*slot).c }
func (l gwsLogger) Error(v ...any)           { l.log.Error("ws: gws", "msg", fmt.Sprint(v...)) }

type gwsLogger struct{ log *slog.Logger }

// events implements gws.Event for every connection.
type events struct{}

func (events) OnOpen(*gws.Conn) {}

func (events) OnClose(gc *gws.Conn, err error) {
	c := connOf(gc)
	c.dead.Store(true)
	if s := c.sess.Load(); s != nil {
		var ce *gws.CloseError
		if errors.As(err, &ce) {
			err = nil
		}
		s.Closed(c, err)
	}
}

func (events) OnPing(gc *gws.Conn, payload []byte) {
	c := connOf(gc)
	c.ctrlMu.Lock()
	if len(c.ctrl) < 4096 {
		c.ctrl = appendHeader(c.ctrl, byte(gws.OpcodePong), len(payload))
		c.ctrl = append(c.ctrl, payload...)
	}
	c.ctrlMu.Unlock()
	c.Wake()
}

func (events) OnPong(*gws.Conn, []byte) {}

func (events) OnMessage(gc *gws.Conn, msg *gws.Message) {
	c := connOf(gc)
	data := append([]byte(nil), msg.Bytes()...)
	binary := msg.Opcode == gws.OpcodeBinary
	_ = msg.Close()
	s := c.sess.Load()
	if s == nil {
		return
	}
	p, err := codec.ParseEngine(data, binary)
	if err != nil {
		s.Fail(c, fmt.Errorf("%w: %w", transport.ErrParse, err))
		_ = gc.NetConn().Close()
		return
	}
	if err := s.Receive(c, p); err != nil {
		_ = gc.NetConn().Close()
	}
}

var framing = transport.NewFraming()

// Frame returns m as one complete unmasked server WebSocket frame: a text
// frame holding "4" and the text, or a binary frame holding the raw bytes.
// It is the build function of m.Framed for this transport.
func Frame(m *transport.Message) []byte {
	n, op := len(m.Data), byte(gws.OpcodeBinary)
	if !m.Binary {
		n, op = n+1, byte(gws.OpcodeText)
	}
	b := appendHeader(make([]byte, 0, n+10), op, n)
	if !m.Binary {
		b = append(b, '0'+byte(codec.Message))
	}
	return append(b, m.Data...)
}

// appendControl appends the text frame of a non-message packet.
func appendControl(dst []byte, p engine.Packet) []byte {
	dst = appendHeader(dst, byte(gws.OpcodeText), 1+len(p.Data))
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// appendHeader appends a final, unmasked frame header.
func appendHeader(dst []byte, opcode byte, n int) []byte {
	dst = append(dst, 0x80|opcode)
	switch {
	case n <= 125:
		return append(dst, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
	}
}
