package engineclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/sockbus/sockbus/codec"
)

// errStop ends a payload walk early.
var errStop = errors.New("engineclient: stop")

// polling is the long-polling carrier.
type polling struct {
	cfg *config
	url string // endpoint with sid
	max int    // the server's maxPayload
	buf []byte // POST body, writer goroutine only
	ctx context.Context
}

var stamp atomic.Uint64

// timestamped adds the cache-busting t parameter, as engine.io-client does.
func timestamped(u string) string {
	t := strconv.FormatInt(time.Now().UnixMilli(), 36) + "." + strconv.FormatUint(stamp.Add(1), 36)
	return u + "&t=" + t
}

func (cfg *config) openPolling(ctx context.Context) (*conn, error) {
	u := cfg.endpoint(Polling, "")
	body, err := cfg.do(ctx, http.MethodGet, timestamped(u), nil)
	if err != nil {
		return nil, err
	}
	var pkts []codec.EnginePacket
	err = codec.DecodePayload(body, func(p codec.EnginePacket) error {
		pkts = append(pkts, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	hs, err := parseOpen(pkts[0])
	if err != nil {
		return nil, err
	}
	p := &polling{cfg: cfg, url: cfg.endpoint(Polling, hs.SID), max: hs.MaxPayload}
	c := newConn(cfg, hs, Polling, u, p)
	c.initial = pkts[1:]
	return c, nil
}

// do runs one polling request and returns the response body, refusing any
// status but 200 and bodies over 16×MaxPayload.
func (cfg *config) do(ctx context.Context, method, u string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range cfg.Header {
		req.Header[k] = slices.Clone(v)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	limit := int64(cfg.MaxPayload) * 16
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("engineclient: %s response: %w", method, codec.ErrPayloadTooLarge)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("engineclient: %s: status %d: %.200s", method, resp.StatusCode, b)
	}
	return b, nil
}

func (p *polling) run(c *conn) carrier {
	p.ctx = c.ctx
	stop, done := c.startWriter(p)
	var probed chan *wsCarrier
	if c.canUpgrade() {
		probed = make(chan *wsCarrier, 1)
		c.wg.Add(1)
		go c.probe(probed)
	}
	for !c.isClosed() {
		select {
		case ws := <-probed:
			return c.handoff(stop, done, ws)
		default:
		}
		if err := p.poll(c); err != nil {
			c.fail(err)
			return nil
		}
	}
	return nil
}

// poll runs one GET and handles what it brings.
func (p *polling) poll(c *conn) error {
	body, err := p.cfg.do(c.ctx, http.MethodGet, timestamped(p.url), nil)
	if err != nil {
		return err
	}
	err = codec.DecodePayload(body, func(pkt codec.EnginePacket) error {
		c.handle(pkt, true)
		if c.isClosed() {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// count keeps a POST body within the server's maxPayload.
func (p *polling) count(items []item) int {
	size := 0
	for i, it := range items {
		n := codec.PayloadPacketLen(it.packet())
		if i > 0 {
			n++
			if size+n > p.max {
				return i
			}
		}
		size += n
	}
	return len(items)
}

func (p *polling) write(batch []item) error {
	b := p.buf[:0]
	for i, it := range batch {
		if i > 0 {
			b = append(b, codec.PayloadSeparator)
		}
		b = codec.AppendPayloadPacket(b, it.packet())
	}
	p.buf = b
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.WriteTimeout)
	defer cancel()
	_, err := p.cfg.do(ctx, http.MethodPost, timestamped(p.url), b)
	return err
}
