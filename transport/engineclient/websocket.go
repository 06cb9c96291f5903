package engineclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/lxzan/gws"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// wsCarrier is the WebSocket carrier.
type wsCarrier struct {
	cfg *config
	ws  *gws.Conn
	buf []byte // writer goroutine only
}

// Close closes the network connection.
func (w *wsCarrier) Close() error { return w.ws.NetConn().Close() }

// dialNet opens a TCP connection to the URL's host, with TLS when the URL
// says so, within ctx.
func (cfg *config) dialNet(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", cfg.hostPort())
	if err != nil {
		return nil, err
	}
	if !cfg.secure() {
		return nc, nil
	}
	tc := tls.Client(nc, cfg.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = nc.Close()
		return nil, err
	}
	return tc, nil
}

// dialWS opens a WebSocket to the Engine.IO endpoint (sid may be empty).
func (cfg *config) dialWS(ctx context.Context, sid string) (*wsCarrier, error) {
	nc, err := cfg.dialNet(ctx)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Now()) })
	hdr := http.Header{}
	for k, v := range cfg.Header {
		hdr[k] = slices.Clone(v)
	}
	timeout := cfg.Timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	ws, _, err := gws.NewClientFromConn(wsEvents{}, &gws.ClientOption{
		Addr:               cfg.endpoint(WebSocket, sid),
		RequestHeader:      hdr,
		HandshakeTimeout:   timeout,
		ReadMaxPayloadSize: cfg.MaxPayload + 1,
	}, nc)
	if !stop() || err != nil {
		_ = nc.Close()
		return nil, errors.Join(err, ctx.Err())
	}
	_ = nc.SetDeadline(time.Time{})
	return &wsCarrier{cfg: cfg, ws: ws}, nil
}

func (cfg *config) openWebSocket(ctx context.Context) (*conn, error) {
	w, err := cfg.dialWS(ctx, "")
	if err != nil {
		return nil, err
	}
	hs, err := w.readOpen(ctx)
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	c := newConn(cfg, hs, WebSocket, cfg.endpoint(WebSocket, ""), w)
	c.addCloser(w)
	return c, nil
}

// readOpen reads the open packet within ctx.
func (w *wsCarrier) readOpen(ctx context.Context) (handshake, error) {
	var hs handshake
	err := w.readWithin(ctx, func(p codec.EnginePacket) error {
		var err error
		hs, err = parseOpen(p)
		return err
	})
	return hs, err
}

// readWithin reads one message within ctx and hands it to fn.
func (w *wsCarrier) readWithin(ctx context.Context, fn func(codec.EnginePacket) error) error {
	if d, ok := ctx.Deadline(); ok {
		_ = w.ws.SetReadDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = w.ws.SetReadDeadline(time.Now()) })
	defer stop()
	msg, err := w.ws.ReadMessage()
	if err != nil {
		return errors.Join(err, ctx.Err())
	}
	defer func() { _ = msg.Close() }()
	p, err := codec.ParseEngine(msg.Bytes(), msg.Opcode == gws.OpcodeBinary)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	if err := fn(p); err != nil {
		return err
	}
	if !stop() {
		return ctx.Err()
	}
	return w.ws.SetReadDeadline(time.Time{})
}

func (w *wsCarrier) run(c *conn) carrier {
	c.startWriter(w)
	for {
		msg, err := w.ws.ReadMessage()
		if err != nil {
			if peerClosed(err) {
				_ = c.Close(transport.ErrTransportClose)
			} else {
				c.fail(err)
			}
			return nil
		}
		p, err := codec.ParseEngine(msg.Bytes(), msg.Opcode == gws.OpcodeBinary)
		if err != nil {
			_ = msg.Close()
			c.log.Debug("engineclient: bad packet", "err", err)
			_ = c.Close(transport.ErrParse)
			return nil
		}
		c.handle(p, false)
		_ = msg.Close()
		if c.isClosed() {
			return nil
		}
	}
}

// peerClosed reports a read error that means the server closed the
// WebSocket: a close frame (any code) or the end of the stream.
func peerClosed(err error) bool {
	var ce *gws.CloseError
	var code interface{ Uint16() uint16 }
	return errors.As(err, &ce) || errors.As(err, &code) || errors.Is(err, io.EOF)
}

func (w *wsCarrier) count(items []item) int { return len(items) }

func (w *wsCarrier) write(batch []item) error {
	if err := w.ws.SetWriteDeadline(time.Now().Add(w.cfg.WriteTimeout)); err != nil {
		return err
	}
	for _, it := range batch {
		if err := w.writeOne(it.packet()); err != nil {
			return err
		}
	}
	return nil
}

func (w *wsCarrier) writeOne(p codec.EnginePacket) error {
	if p.Binary {
		return w.ws.WriteMessage(gws.OpcodeBinary, p.Data)
	}
	w.buf = codec.AppendEngine(w.buf[:0], p)
	return w.ws.WriteMessage(gws.OpcodeText, w.buf)
}

// wsEvents ignores gws events: the carrier reads with ReadMessage.
type wsEvents struct{}

func (wsEvents) OnOpen(*gws.Conn)                  {}
func (wsEvents) OnClose(*gws.Conn, error)          {}
func (wsEvents) OnPing(*gws.Conn, []byte)          {}
func (wsEvents) OnPong(*gws.Conn, []byte)          {}
func (wsEvents) OnMessage(*gws.Conn, *gws.Message) {}
