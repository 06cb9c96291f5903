package tcp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
)

// Errors.
var (
	// ErrNoEngine: Config.Engine is required.
	ErrNoEngine = errors.New("tcp: Config.Engine is required")
	// ErrBadOpen: the first frame was not a valid opening frame.
	ErrBadOpen = errors.New("tcp: bad opening frame")
)

// Config configures a Server. The zero value is valid except that Engine is
// required.
type Config struct {
	// Engine is the Engine.IO server whose sessions TCP peers join; its
	// Handler, heartbeat, MaxPayload, outbox bounds and WriteTimeout apply.
	// Required.
	Engine *engine.Server
	// HandshakeTimeout bounds the wait for the opening frame. Defaults to
	// 10 s.
	HandshakeTimeout time.Duration
	// Logger receives connection errors. Defaults to the engine's Logger.
	Logger *slog.Logger
}

// Server accepts raw TCP (or TLS) connections and opens an Engine.IO session
// for each on its engine.Server. All methods are safe for concurrent use.
type Server struct {
	cfg    Config
	eng    engine.Config
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
}

// NewServer returns a Server for cfg.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, ErrNoEngine
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	eng := cfg.Engine.Config()
	if cfg.Logger == nil {
		cfg.Logger = eng.Logger
	}
	return &Server{cfg: cfg, eng: eng, conns: make(map[*conn]struct{})}, nil
}

// Serve runs NewServer(cfg) on ln until ctx is done or ln fails, then closes
// every connection and waits for their goroutines. Wrap ln with
// tls.NewListener for TLS.
func Serve(ctx context.Context, ln net.Listener, cfg Config) error {
	s, err := NewServer(cfg)
	if err != nil {
		return err
	}
	err = s.Serve(ctx, ln)
	_ = s.Close()
	return err
}

// Serve accepts connections on ln until ctx is done, ln fails or Close is
// called; it closes ln before returning. It returns nil after ctx is done or
// Close, the Accept error otherwise. Connections keep running until Close.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	s.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			_ = ln.Close()
			if ctx.Err() != nil || s.isClosed() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("tcp: accept: %w", err)
		}
		s.Handle(nc)
	}
}

// Handle serves one accepted connection in its own goroutines and returns
// at once. It is what Serve calls for each connection; use it to plug in
// connections accepted elsewhere. Handle closes nc after Close.
func (s *Server) Handle(nc net.Conn) {
	c := &conn{srv: s, nc: nc, wake: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go c.read()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close closes every connection (their sessions end with
// transport.ErrTransportError unless the engine closed them first) and waits
// for their goroutines. Serve calls on a closed Server return at once. For a
// graceful stop, call the engine's Shutdown first: it sends every session
// its close packet.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	all := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		all = append(all, c)
	}
	s.mu.Unlock()
	for _, c := range all {
		_ = c.nc.Close()
	}
	s.wg.Wait()
	return nil
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// opener is the optional JSON body of the opening frame.
type opener struct {
	Query  map[string][]string `json:"query"`
	Header map[string][]string `json:"header"`
	SID    string              `json:"sid"`
}

// conn is one TCP connection: the engine.Writer (and engine.Aborter) of its
// session.
type conn struct {
	srv  *Server
	nc   net.Conn
	sess *engine.Session // set before the writer starts
	wake chan struct{}

	// Owned by the writer.
	pkts []engine.Packet
	buf  []byte
	vec  net.Buffers
}

// Wake signals the writer. It never blocks.
func (c *conn) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Abort closes the connection at once (the session closed as a slow
// consumer), so that a write stuck on a peer that stopped reading returns
// now rather than at its write deadline. It never blocks.
func (c *conn) Abort() { _ = c.nc.Close() }

// read is the connection's reader goroutine; it opens the session, starts
// the writer and feeds the session until the connection ends.
func (c *conn) read() {
	defer c.srv.wg.Done()
	defer c.srv.forget(c)
	defer func() { _ = c.nc.Close() }()
	fr := codec.NewFrameReader(bufio.NewReaderSize(c.nc, 4096), c.srv.eng.MaxPayload+1)
	s, err := c.open(fr)
	if err != nil {
		c.srv.cfg.Logger.Debug("tcp: connection refused", "addr", c.nc.RemoteAddr().String(), "err", err)
		return
	}
	c.sess = s
	done := make(chan struct{})
	go c.write(done)
	c.Wake()
	err = c.feed(fr)
	switch {
	case errors.Is(err, codec.ErrPayloadTooLarge) || isSyntax(err):
		s.Fail(c, fmt.Errorf("%w: %w", transport.ErrParse, err))
	case errors.Is(err, errStopped):
	default:
		s.Closed(c, err)
	}
	// The session is closed now, so Take soon reports done and the writer
	// ends; its writes are bounded by the write deadline.
	<-done
}

var errStopped = errors.New("tcp: session stopped reading")

// open reads the opening frame and opens the session.
func (c *conn) open(fr *codec.FrameReader) (*engine.Session, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.HandshakeTimeout))
	p, err := fr.Next()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOpen, err)
	}
	if p.Type != codec.Open || p.Binary {
		return nil, fmt.Errorf("%w: %v packet", ErrBadOpen, p.Type)
	}
	var o opener
	if len(p.Data) > 0 {
		if err := json.Unmarshal(p.Data, &o); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadOpen, err)
		}
	}
	if o.SID != "" {
		return nil, fmt.Errorf("%w: resuming a session is not supported", ErrBadOpen)
	}
	_, secure := c.nc.(*tls.Conn)
	hs := transport.Handshake{
		Header:    o.Header,
		Query:     o.Query,
		Address:   c.nc.RemoteAddr().String(),
		Time:      time.Now(),
		URL:       "/",
		Secure:    secure,
		Transport: "tcp",
	}
	s, err := c.srv.cfg.Engine.Open(c, hs)
	if err != nil {
		return nil, err
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	return s, nil
}

// feed hands every inbound packet to the session until an error.
func (c *conn) feed(fr *codec.FrameReader) error {
	for {
		p, err := fr.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if p.Type == codec.Message {
			p.Data = append([]byte(nil), p.Data...) // the Handler owns it
		}
		if err := c.sess.Receive(c, p); err != nil {
			return errStopped
		}
	}
}

func isSyntax(err error) bool {
	var se *codec.SyntaxError
	return errors.As(err, &se)
}

// write is the connection's writer goroutine: it drains the session,
// coalescing everything Take returns into one write, and closes the
// connection when the session is done or a write fails.
func (c *conn) write(done chan<- struct{}) {
	defer close(done)
	s := c.sess
	for {
		<-c.wake
		for {
			pkts, end := s.Take(c, c.pkts[:0], 0)
			var err error
			if len(pkts) > 0 {
				err = c.flush(pkts)
			}
			clear(pkts)
			c.pkts = pkts[:0]
			if err != nil {
				s.Closed(c, err)
				_ = c.nc.Close()
				return
			}
			if end {
				_ = c.nc.Close()
				return
			}
			if len(pkts) == 0 {
				break
			}
		}
	}
}

// bigFrame is the size from which a framed message is written from its
// shared bytes (writev) rather than copied into the connection's buffer.
const bigFrame = 4096

// flush writes pkts with one write (one writev when large frames are
// shared), under the engine's WriteTimeout.
func (c *conn) flush(pkts []engine.Packet) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.srv.eng.WriteTimeout)); err != nil {
		return err
	}
	buf, vec, mark := c.buf[:0], c.vec[:0], 0
	for _, p := range pkts {
		if p.Msg == nil {
			buf = codec.AppendFrame(buf, p.Engine())
			continue
		}
		f := p.Msg.Framed(framing, Frame)
		if len(f) < bigFrame {
			buf = append(buf, f...)
			continue
		}
		if mark < len(buf) {
			vec = append(vec, buf[mark:len(buf):len(buf)])
			mark = len(buf)
		}
		vec = append(vec, f)
	}
	if mark < len(buf) {
		vec = append(vec, buf[mark:])
	}
	var err error
	if len(vec) == 1 {
		_, err = c.nc.Write(vec[0])
	} else {
		nb := vec
		_, err = nb.WriteTo(c.nc)
	}
	clear(vec)
	c.vec = vec[:0]
	if cap(buf) > 1<<20 {
		buf = nil // do not pin a burst's buffer
	}
	c.buf = buf
	return err
}

var framing = transport.NewFraming()

// Frame returns m as one complete stream frame (header, type digit for text,
// data). It is the build function of m.Framed for this transport.
func Frame(m *transport.Message) []byte {
	p := codec.EnginePacket{Type: codec.Message, Data: m.Data, Binary: m.Binary}
	return codec.AppendFrame(make([]byte, 0, len(m.Data)+10), p)
}
