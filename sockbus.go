package sockbus

import (
	"context"
	"net"
	"net/http"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/ws"
)

// Handler is an http.Handler serving Engine.IO over polling and WebSocket.
// It is safe for concurrent use.
type Handler struct {
	*engine.Server
}

// NewHandler returns a Handler for h. cfg.Handler is set to h; cfg.Path
// defaults to "/socket.io/" and cfg.Transports to polling then WebSocket.
func NewHandler(h transport.Handler, cfg engine.Config) (*Handler, error) {
	cfg.Handler = h
	if cfg.Path == "" {
		cfg.Path = "/socket.io/"
	}
	if len(cfg.Transports) == 0 {
		cfg.Transports = []engine.Transport{polling.New(polling.Config{}), ws.New(ws.Config{})}
	}
	srv, err := engine.NewServer(cfg)
	if err != nil {
		return nil, err
	}
	return &Handler{Server: srv}, nil
}

// ListenAndServe serves h at "/socket.io/" on the TCP address addr (":http"
// when empty) with the default configuration, like Serve.
func ListenAndServe(addr string, h transport.Handler) error {
	if addr == "" {
		addr = ":http"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ln, h)
}

// Serve serves h at "/socket.io/" on ln with the default configuration.
// It returns when ln fails, for instance once it is closed (the error then
// wraps net.ErrClosed), after closing every connection and session. Serve
// closes ln.
func Serve(ln net.Listener, h transport.Handler) error {
	eh, err := NewHandler(h, engine.Config{})
	if err != nil {
		_ = ln.Close()
		return err
	}
	hs := &http.Server{Handler: eh}
	err = hs.Serve(ln)
	_ = hs.Close()
	_ = eh.Close()
	return err
}

// Shutdown closes every session with transport.ErrServerShutdown and waits
// for them, or for ctx.
func (h *Handler) Shutdown(ctx context.Context) error { return h.Server.Shutdown(ctx) }
