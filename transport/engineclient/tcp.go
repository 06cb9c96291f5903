package engineclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// tcpCarrier is the raw TCP carrier (see package transport/tcp).
type tcpCarrier struct {
	cfg *config
	nc  net.Conn
	fr  *codec.FrameReader
	buf []byte // writer goroutine only
}

// opener is the optional JSON body of the client's opening frame.
type opener struct {
	Query  map[string][]string `json:"query,omitempty"`
	Header map[string][]string `json:"header,omitempty"`
}

func (cfg *config) openTCP(ctx context.Context) (*conn, error) {
	nc, err := cfg.dialNet(ctx)
	if err != nil {
		return nil, err
	}
	t := &tcpCarrier{cfg: cfg, nc: nc, fr: codec.NewFrameReader(bufio.NewReaderSize(nc, 4096), cfg.MaxPayload+1)}
	hs, err := t.handshake(ctx)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	c := newConn(cfg, hs, TCP, cfg.u.Scheme+"://"+cfg.hostPort(), t)
	c.addCloser(nc)
	return c, nil
}

// handshake sends the opening frame and reads the open packet within ctx.
func (t *tcpCarrier) handshake(ctx context.Context) (handshake, error) {
	stop := context.AfterFunc(ctx, func() { _ = t.nc.SetDeadline(time.Now()) })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		_ = t.nc.SetDeadline(d)
	}
	var body []byte
	if len(t.cfg.Query) > 0 || len(t.cfg.Header) > 0 {
		body, _ = json.Marshal(opener{Query: t.cfg.Query, Header: t.cfg.Header})
	}
	if _, err := t.nc.Write(codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open, Data: body})); err != nil {
		return handshake{}, errors.Join(err, ctx.Err())
	}
	p, err := t.fr.Next()
	if err != nil {
		return handshake{}, errors.Join(fmt.Errorf("%w: %w", ErrHandshake, err), ctx.Err())
	}
	hs, err := parseOpen(p)
	if err != nil {
		return hs, err
	}
	if !stop() {
		return hs, ctx.Err()
	}
	return hs, t.nc.SetDeadline(time.Time{})
}

func (t *tcpCarrier) run(c *conn) carrier {
	c.startWriter(t)
	for {
		p, err := t.fr.Next()
		switch {
		case errors.Is(err, io.EOF):
			_ = c.Close(transport.ErrTransportClose)
			return nil
		case errors.Is(err, codec.ErrPayloadTooLarge) || isSyntax(err):
			c.log.Debug("engineclient: bad frame", "err", err)
			_ = c.Close(transport.ErrParse)
			return nil
		case err != nil:
			c.fail(err)
			return nil
		}
		c.handle(p, false)
		if c.isClosed() {
			return nil
		}
	}
}

func isSyntax(err error) bool {
	var se *codec.SyntaxError
	return errors.As(err, &se)
}

func (t *tcpCarrier) count(items []item) int { return len(items) }

// write coalesces the batch into one write.
func (t *tcpCarrier) write(batch []item) error {
	b := t.buf[:0]
	for _, it := range batch {
		b = codec.AppendFrame(b, it.packet())
	}
	t.buf = b
	if err := t.nc.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout)); err != nil {
		return err
	}
	_, err := t.nc.Write(b)
	return err
}
