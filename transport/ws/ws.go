package ws

import (
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
}

// Transport is the WebSocket engine.Transport. It is safe for concurrent use
// and may serve several Servers.
type Transport struct {
	cfg       Config
	upgraders sync.Map // *engine.Server -> *gws.Upgrader
}

// New returns a WebSocket Transport for cfg.
func New(cfg Config) *Transport {
	if cfg.CompressionThreshold <= 0 {
		cfg.CompressionThreshold = 1024
	}
	return &Transport{cfg: cfg}
}

// Name returns "websocket".
func (t *Transport) Name() string { return "websocket" }

func (t *Transport) upgrader(srv *engine.Server) *gws.Upgrader {
	if u, ok := t.upgraders.Load(srv); ok {
		return u.(*gws.Upgrader)
	}
	cfg := srv.Config()
	log := cfg.Logger
	u := gws.NewUpgrader(events{}, &gws.ServerOption{
		ParallelEnabled:     false,
		ReadMaxPayloadSize:  cfg.MaxPayload,
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
	actual, _ := t.upgraders.LoadOrStore(srv, u)
	return actual.(*gws.Upgrader)
}

// Serve upgrades r and opens a session over it, or probes an upgrade of sess.
func (t *Transport) Serve(srv *engine.Server, sess *engine.Session, w http.ResponseWriter, r *http.Request) {
	gc, err := t.upgrader(srv).Upgrade(w, r)
	if err != nil {
		return // gws answered 400 and closed the connection
	}
	c := &conn{
		srv:      srv,
		ws:       gc,
		timeout:  srv.Config().WriteTimeout,
		compress: t.cfg.Compression && strings.Contains(r.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate"),
	}
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

// conn is the engine.Writer of one WebSocket connection.
type conn struct {
	srv      *engine.Server
	ws       *gws.Conn
	timeout  time.Duration
	compress bool
	sess     atomic.Pointer[engine.Session]
	running  atomic.Bool
	dead     atomic.Bool

	ctrlMu sync.Mutex
	ctrl   []byte // pending WebSocket control frames (pongs)

	// Owned by the running writer.
	pkts  []engine.Packet
	small []byte
	vec   [][]byte
	nb    net.Buffers
	body  []byte
}

// Wake starts the writer unless it is running.
func (c *conn) Wake() {
	if c.sess.Load() == nil || c.dead.Load() {
		return
	}
	if c.running.CompareAndSwap(false, true) {
		c.srv.Go(c.run)
	}
}

func (c *conn) takeCtrl(dst []byte) []byte {
	c.ctrlMu.Lock()
	dst = append(dst, c.ctrl...)
	c.ctrl = c.ctrl[:0]
	c.ctrlMu.Unlock()
	return dst
}

func (c *conn) hasCtrl() bool {
	c.ctrlMu.Lock()
	defer c.ctrlMu.Unlock()
	return len(c.ctrl) > 0
}

// run is the connection's writer: it drains the session and exits when
// there is nothing left, or closes the connection when the session is done.
func (c *conn) run() {
	s := c.sess.Load()
	for {
		pkts, done := s.Take(c, c.pkts[:0], 0)
		c.small = c.takeCtrl(c.small[:0])
		if len(pkts) == 0 && len(c.small) == 0 && !done {
			c.running.Store(false)
			if (!s.Pending(c) && !c.hasCtrl()) || !c.running.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		err := c.write(pkts)
		clear(pkts)
		c.pkts = pkts[:0]
		if err != nil {
			c.dead.Store(true)
			s.Closed(c, err)
			_ = c.ws.NetConn().Close()
			return
		}
		if done {
			c.dead.Store(true)
			_ = c.ws.NetConn().SetWriteDeadline(time.Now().Add(c.timeout))
			_ = c.ws.WriteClose(1000, nil)
			return
		}
	}
}

// bigFrame is the size from which a framed message is written from its
// shared bytes (writev) rather than copied into the connection's buffer.
const bigFrame = 4096

// write writes c.small (pending control frames) then the frames of pkts.
func (c *conn) write(pkts []engine.Packet) error {
	nc := c.ws.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return err
	}
	if c.compress {
		return c.writeEach(nc, pkts)
	}
	vec, mark := c.vec[:0], 0
	for _, p := range pkts {
		if p.Msg == nil {
			c.small = appendControl(c.small, p)
			continue
		}
		f := p.Msg.Framed(framing, Frame)
		if len(f) < bigFrame {
			c.small = append(c.small, f...)
			continue
		}
		if mark < len(c.small) {
			vec = append(vec, c.small[mark:len(c.small):len(c.small)])
			mark = len(c.small)
		}
		vec = append(vec, f)
	}
	if mark < len(c.small) {
		vec = append(vec, c.small[mark:])
	}
	var err error
	if len(vec) == 1 {
		_, err = nc.Write(vec[0])
	} else {
		c.nb = vec
		_, err = c.nb.WriteTo(nc)
		c.nb = nil
	}
	clear(vec)
	c.vec = vec[:0]
	return err
}

// writeEach writes packet by packet through gws, which compresses.
func (c *conn) writeEach(nc net.Conn, pkts []engine.Packet) error {
	if len(c.small) > 0 {
		if _, err := nc.Write(c.small); err != nil {
			return err
		}
	}
	for _, p := range pkts {
		op := gws.OpcodeText
		if p.Msg != nil && p.Msg.Binary {
			op = gws.OpcodeBinary
		}
		c.body = codec.AppendEngine(c.body[:0], p.Engine())
		if err := c.ws.WriteMessage(op, c.body); err != nil {
			return err
		}
	}
	return nil
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
