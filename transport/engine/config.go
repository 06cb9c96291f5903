package engine

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sockbus/sockbus/transport"
)

// Config configures a Server. The zero value is valid except that Handler is
// required; each field documents its default.
type Config struct {
	// Handler receives the sessions. Required.
	Handler transport.Handler
	// Transports lists the transports clients may use, in order of
	// preference; the Engine.IO "transport" query parameter selects one by
	// Name. Required: NewServer refuses an empty list (the sockbus package
	// wires polling and WebSocket).
	Transports []Transport
	// Path is the Engine.IO endpoint. Defaults to "/engine.io/" (Socket.IO
	// uses "/socket.io/"). Requests whose path does not start with it get 404.
	Path string
	// NoTrailingSlash matches Node's addTrailingSlash: false. By default a
	// trailing slash is added to Path.
	NoTrailingSlash bool
	// PingInterval is the heartbeat period. Defaults to 25 s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for a pong. Defaults to 20 s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds a transport upgrade. Defaults to 10 s.
	UpgradeTimeout time.Duration
	// MaxPayload is Node's maxHttpBufferSize: the largest polling body and
	// WebSocket message accepted. Defaults to 1e6 bytes.
	MaxPayload int
	// DisableUpgrades matches Node's allowUpgrades: false. By default polling
	// sessions may upgrade to WebSocket.
	DisableUpgrades bool
	// AllowRequest, when set, may refuse a handshake: a non-nil error is
	// answered 403 {"code":4,"message":err.Error()}.
	AllowRequest func(r *http.Request) error
	// CORS enables CORS headers. Off (nil) by default.
	CORS *CORSConfig
	// Logger receives errors that have no caller to return to (handler
	// panics, write failures). Defaults to slog.Default().
	Logger *slog.Logger
	// MaxOutboxMessages bounds each session's outbox by count. Defaults to
	// 4096.
	MaxOutboxMessages int
	// MaxOutboxBytes bounds each session's outbox by message bytes. Defaults
	// to 16 MiB.
	MaxOutboxBytes int
	// WriteTimeout bounds every write of a transport. Defaults to 10 s.
	WriteTimeout time.Duration
	// OnConnectionError, when set, is called for every request the server
	// refuses with an Engine.IO error (Node's "connection_error" event),
	// with the error code (Code* constants), its message and the request.
	// It runs on the request's goroutine before the response is written
	// and must not block; a panic is recovered and logged. Unset by
	// default.
	OnConnectionError func(code int, message string, r *http.Request)
	// Cookie, when set, is the template of a cookie holding the sid that
	// is set on the polling handshake response (Node's cookie option, for
	// sticky load balancing): its Value is replaced by the sid, and an
	// empty Name defaults to "io" and an empty Path to "/". Node's defaults
	// are HttpOnly and SameSite Lax. Unset (no cookie) by default.
	Cookie *http.Cookie
}

// CORSConfig configures CORS headers. They are set on every response,
// including errors; an OPTIONS preflight is answered 204.
type CORSConfig struct {
	// Origins lists the allowed origins; "*" allows all. With Credentials,
	// "*" echoes the request's Origin.
	Origins []string
	// AllowOrigin, when set, decides instead of Origins.
	AllowOrigin func(origin string) bool
	// Credentials sets Access-Control-Allow-Credentials: true.
	Credentials bool
	// Methods defaults to GET,HEAD,PUT,PATCH,POST,DELETE.
	Methods []string
	// AllowedHeaders defaults to echoing Access-Control-Request-Headers.
	AllowedHeaders []string
	// MaxAge, when positive, sets Access-Control-Max-Age in seconds.
	MaxAge int
}

// Errors of NewServer.
var (
	ErrNoHandler    = errors.New("engine: Config.Handler is required")
	ErrNoTransports = errors.New("engine: Config.Transports is empty")
)

func (c Config) withDefaults() (Config, error) {
	if c.Handler == nil {
		return c, ErrNoHandler
	}
	if len(c.Transports) == 0 {
		return c, ErrNoTransports
	}
	if c.Path == "" {
		c.Path = "/engine.io/"
	}
	c.Path = strings.TrimRight(c.Path, "/")
	if !c.NoTrailingSlash {
		c.Path += "/"
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 20 * time.Second
	}
	if c.UpgradeTimeout <= 0 {
		c.UpgradeTimeout = 10 * time.Second
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = 1e6
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxOutboxMessages <= 0 {
		c.MaxOutboxMessages = 4096
	}
	if c.MaxOutboxBytes <= 0 {
		c.MaxOutboxBytes = 16 << 20
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	return c, nil
}
