package engineclient

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sockbus/sockbus/codec"
)

// canUpgrade reports whether a polling session should try WebSocket.
func (c *conn) canUpgrade() bool {
	return !c.cfg.NoUpgrade && slices.Contains(c.cfg.Transports, WebSocket) &&
		slices.Contains(c.hs.Upgrades, WebSocket)
}

// probe opens a WebSocket for the session and sends "2probe"; once the server
// answers "3probe" it hands the WebSocket to the polling loop through out.
// A failed probe is logged and leaves the session on polling.
func (c *conn) probe(out chan<- *wsCarrier) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	w, err := c.cfg.dialWS(ctx, c.hs.SID)
	if err != nil {
		c.log.Debug("engineclient: upgrade probe failed", "err", err)
		return
	}
	if !c.addCloser(w) {
		return
	}
	if err := w.exchangeProbe(ctx); err != nil {
		c.log.Debug("engineclient: upgrade probe failed", "err", err)
		_ = w.Close()
		return
	}
	out <- w
}

// exchangeProbe sends "2probe" and waits for "3probe".
func (w *wsCarrier) exchangeProbe(ctx context.Context) error {
	if d, ok := ctx.Deadline(); ok {
		_ = w.ws.SetWriteDeadline(d)
	}
	if err := w.writeOne(codec.EnginePacket{Type: codec.Ping, Data: []byte("probe")}); err != nil {
		return err
	}
	return w.readWithin(ctx, func(p codec.EnginePacket) error {
		if p.Type != codec.Pong || string(p.Data) != "probe" {
			return fmt.Errorf("engineclient: probe answered with %v %q", p.Type, p.Data)
		}
		return nil
	})
}

// handoff finishes the upgrade on the session goroutine: the polling writer
// stops after its current POST (so nothing is in flight over polling), the
// poll loop has already returned, then "5" goes over the WebSocket, whose
// writer takes the outbox from there in order.
func (c *conn) handoff(stop, done chan struct{}, w *wsCarrier) carrier {
	close(stop)
	<-done
	if c.isClosed() {
		return nil
	}
	_ = w.ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	if err := w.writeOne(codec.EnginePacket{Type: codec.Upgrade}); err != nil {
		c.fail(err)
		return nil
	}
	c.carrying.Store(WebSocket)
	c.log.Debug("engineclient: upgraded to websocket")
	return w
}
