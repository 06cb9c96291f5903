package client

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sockbus/sockbus/transport"
)

// DialFunc opens one Engine.IO connection and then drives h: OnOpen, OnMessage
// (and OnValue for in-process peers) in order, and OnClose once. It returns
// when the connection is open or has failed; ctx bounds the attempt.
type DialFunc func(ctx context.Context, h transport.Handler) (transport.Conn, error)

// Config configures a Manager. The zero value is valid except for Dial.
type Config struct {
	// Dial opens the Engine.IO connection. Required.
	Dial DialFunc
	// NoReconnect turns automatic reconnection off. By default a Manager
	// whose connection is lost (or whose first dial fails) dials again with
	// exponential backoff.
	NoReconnect bool
	// ReconnectionAttempts bounds the reconnection attempts after a loss
	// before giving up with "reconnect_failed". Zero means unlimited.
	ReconnectionAttempts int
	// ReconnectionDelay is the first backoff delay. Defaults to 1 s.
	ReconnectionDelay time.Duration
	// ReconnectionDelayMax caps the backoff delay. Defaults to 5 s.
	ReconnectionDelayMax time.Duration
	// RandomizationFactor is the backoff jitter in (0, 1]. Zero means 0.5;
	// a negative value means no jitter.
	RandomizationFactor float64
	// Timeout bounds each dial. Defaults to 20 s.
	Timeout time.Duration
	// AutoConnect makes Manager.Socket connect the socket it creates at
	// once (socket.io-client's default). It is off by default so that
	// handlers ("connect" in particular) can be added before Socket.Connect:
	// with it on, a handler added after Socket returns may miss events.
	AutoConnect bool
	// SendBufferSize bounds, in packets, what a socket keeps while it is not
	// connected (and, with Retries, its retry queue). Defaults to 1024. An
	// emit beyond it fails with ErrBufferFull.
	SendBufferSize int
	// Retries, when positive, sends every non-volatile emit through an
	// acknowledged queue and resends it up to Retries times (see the package
	// doc). Zero means no retries.
	Retries int
	// AckTimeout is how long a queued packet waits for its acknowledgement
	// before being resent; it applies only with Retries. Zero means no
	// timeout: a packet is resent only after a reconnection.
	AckTimeout time.Duration
	// Logger receives handler panics and protocol problems. Defaults to
	// slog.Default().
	Logger *slog.Logger

	rand func() float64 // backoff randomness; tests set it
}

// SocketConfig configures one namespace socket. The zero value is valid.
type SocketConfig struct {
	// Auth is sent as the CONNECT payload (JSON object) on every connect.
	// Nil sends none. Ignored when AuthFunc is set.
	Auth any
	// AuthFunc, when set, is called before every connect and its result is
	// sent as the CONNECT payload. An error is reported as "connect_error"
	// and the socket stops trying to connect (call Connect again). It runs
	// on the connection's goroutine, so it should be quick.
	AuthFunc func(ctx context.Context) (any, error)
}

func (c Config) withDefaults() (Config, error) {
	if c.Dial == nil {
		return c, fmt.Errorf("%w: Dial is required", ErrConfig)
	}
	if c.ReconnectionAttempts < 0 || c.SendBufferSize < 0 || c.Retries < 0 ||
		c.ReconnectionDelay < 0 || c.ReconnectionDelayMax < 0 || c.Timeout < 0 || c.AckTimeout < 0 {
		return c, fmt.Errorf("%w: negative value", ErrConfig)
	}
	if c.RandomizationFactor > 1 {
		return c, fmt.Errorf("%w: RandomizationFactor %v above 1", ErrConfig, c.RandomizationFactor)
	}
	if c.ReconnectionDelay == 0 {
		c.ReconnectionDelay = time.Second
	}
	if c.ReconnectionDelayMax == 0 {
		c.ReconnectionDelayMax = 5 * time.Second
	}
	switch {
	case c.RandomizationFactor == 0:
		c.RandomizationFactor = 0.5
	case c.RandomizationFactor < 0:
		c.RandomizationFactor = 0
	}
	if c.Timeout == 0 {
		c.Timeout = 20 * time.Second
	}
	if c.SendBufferSize == 0 {
		c.SendBufferSize = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
