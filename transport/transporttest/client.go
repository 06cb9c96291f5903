package transporttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/lxzan/gws"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// Dial opens an Engine.IO v4 session at url (the endpoint, e.g.
// "http://127.0.0.1:1234/engine.io/") over transportName ("websocket" or
// "polling", no upgrade) and returns the client's Conn once h.OnOpen ran.
// h gets the server's messages in order, then OnClose once. Send blocks
// while a polling POST is in flight (this is a test client). The session's
// goroutines end after OnClose; Close ends them.
func Dial(ctx context.Context, url, transportName string, h transport.Handler) (transport.Conn, error) {
	c := &client{h: h, opened: make(chan error, 1), done: make(chan struct{})}
	base := strings.TrimRight(url, "?") + "?EIO=4&transport=" + transportName
	var err error
	switch transportName {
	case "websocket":
		err = c.dialWS("ws" + strings.TrimPrefix(base, "http"))
	case "polling":
		err = c.dialPolling(ctx, base)
	default:
		err = fmt.Errorf("transporttest: unknown transport %q", transportName)
	}
	if err != nil {
		return nil, err
	}
	select {
	case err = <-c.opened:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		c.Close(err)
		return nil, fmt.Errorf("transporttest: dial: %w", err)
	}
	return c, nil
}

type client struct {
	h      transport.Handler
	opened chan error
	done   chan struct{}

	// websocket
	ws *gws.Conn
	// polling
	url  string
	http *http.Client
	post sync.Mutex

	sid    string
	mu     sync.Mutex
	closed bool
	once   sync.Once
	hmu    sync.Mutex // serialises Handler calls
}

func (c *client) ID() string { return c.sid }

func (c *client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Send writes msgs (as one POST for polling, in order for WebSocket).
func (c *client) Send(msgs ...*transport.Message) error {
	if c.isClosed() {
		return transport.ErrClosed
	}
	pkts := make([]codec.EnginePacket, len(msgs))
	for i, m := range msgs {
		pkts[i] = codec.EnginePacket{Type: codec.Message, Data: m.Data, Binary: m.Binary}
	}
	return c.sendPackets(pkts...)
}

func (c *client) sendPackets(pkts ...codec.EnginePacket) error {
	c.post.Lock()
	defer c.post.Unlock()
	if c.ws != nil {
		for _, p := range pkts {
			op := gws.OpcodeText
			if p.Binary {
				op = gws.OpcodeBinary
			}
			if err := c.ws.WriteMessage(op, codec.AppendEngine(nil, p)); err != nil {
				return transport.ErrClosed
			}
		}
		return nil
	}
	var body []byte
	for i, p := range pkts {
		if i > 0 {
			body = append(body, codec.PayloadSeparator)
		}
		body = codec.AppendPayloadPacket(body, p)
	}
	resp, err := c.http.Post(c.url, "text/plain;charset=UTF-8", bytes.NewReader(body))
	if err != nil {
		return transport.ErrClosed
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("transporttest: POST: %s", resp.Status)
	}
	return nil
}

// Close sends a close packet and ends the session.
func (c *client) Close(reason error) error {
	if reason == nil {
		reason = transport.ErrForcedClose
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return transport.ErrClosed
	}
	c.closed = true
	c.mu.Unlock()
	_ = c.sendPackets(codec.EnginePacket{Type: codec.Close})
	if c.ws != nil {
		_ = c.ws.WriteClose(1000, nil)
	}
	c.finish(reason)
	return nil
}

func (c *client) finish(reason error) {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		select {
		case c.opened <- reason:
		default:
		}
		close(c.done)
		if c.sid != "" {
			c.hmu.Lock()
			c.h.OnClose(c, reason)
			c.hmu.Unlock()
		}
	})
}

// handle processes one packet from the server and reports whether to go on.
func (c *client) handle(p codec.EnginePacket) bool {
	switch p.Type {
	case codec.Open:
		var hs struct{ SID string }
		if err := json.Unmarshal(p.Data, &hs); err != nil || hs.SID == "" {
			c.finish(fmt.Errorf("transporttest: bad open packet %q", p.Data))
			return false
		}
		c.sid = hs.SID
		c.hmu.Lock()
		err := c.h.OnOpen(c, transport.Handshake{Transport: "client"})
		c.hmu.Unlock()
		c.opened <- err
	case codec.Message:
		data := append([]byte(nil), p.Data...)
		c.hmu.Lock()
		c.h.OnMessage(c, transport.NewMessage(data, p.Binary))
		c.hmu.Unlock()
	case codec.Ping:
		go c.sendPackets(codec.EnginePacket{Type: codec.Pong, Data: p.Data})
	case codec.Close:
		c.finish(transport.ErrTransportClose)
		return false
	}
	return true
}

func (c *client) dialWS(url string) error {
	gc, _, err := gws.NewClient(wsEvents{c}, &gws.ClientOption{Addr: url, ReadMaxPayloadSize: 64 << 20})
	if err != nil {
		return err
	}
	c.ws = gc
	go gc.ReadLoop()
	return nil
}

type wsEvents struct{ c *client }

func (e wsEvents) OnOpen(*gws.Conn)              {}
func (e wsEvents) OnClose(*gws.Conn, error)      { e.c.finish(transport.ErrTransportClose) }
func (e wsEvents) OnPing(gc *gws.Conn, b []byte) { _ = gc.WritePong(b) }
func (e wsEvents) OnPong(*gws.Conn, []byte)      {}
func (e wsEvents) OnMessage(gc *gws.Conn, m *gws.Message) {
	p, err := codec.ParseEngine(m.Bytes(), m.Opcode == gws.OpcodeBinary)
	if err != nil {
		e.c.finish(fmt.Errorf("%w: %w", transport.ErrParse, err))
		_ = gc.NetConn().Close()
		return
	}
	if !e.c.handle(p) {
		_ = gc.NetConn().Close()
	}
	_ = m.Close()
}

func (c *client) dialPolling(ctx context.Context, url string) error {
	c.http = &http.Client{Transport: &http.Transport{MaxConnsPerHost: 4, DisableCompression: true}}
	pkts, err := c.get(ctx, url)
	if err != nil {
		return err
	}
	if len(pkts) == 0 || pkts[0].Type != codec.Open {
		return fmt.Errorf("transporttest: no open packet")
	}
	c.handle(pkts[0])
	if c.sid == "" {
		return errors.New("transporttest: no sid")
	}
	c.url = url + "&sid=" + c.sid
	go c.pollLoop(pkts[1:])
	return nil
}

func (c *client) pollLoop(pkts []codec.EnginePacket) {
	defer c.http.CloseIdleConnections()
	for {
		for _, p := range pkts {
			if !c.handle(p) {
				return
			}
		}
		if c.isClosed() {
			return
		}
		var err error
		pkts, err = c.get(context.Background(), c.url)
		if err != nil {
			c.finish(transport.ErrTransportClose)
			return
		}
	}
}

func (c *client) get(ctx context.Context, url string) ([]codec.EnginePacket, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("transporttest: GET: %s: %s", resp.Status, body)
	}
	var pkts []codec.EnginePacket
	err = codec.DecodePayload(body, func(p codec.EnginePacket) error {
		pkts = append(pkts, p)
		return nil
	})
	return pkts, err
}
