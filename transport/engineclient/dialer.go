package engineclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sockbus/sockbus/transport"
)

// Transport names accepted in Dialer.Transports.
const (
	Polling   = "polling"
	WebSocket = "websocket"
	TCP       = "tcp"
)

// Sentinel errors.
var (
	// ErrBadURL: Dialer.URL does not parse or has an unsupported scheme.
	ErrBadURL = errors.New("engineclient: bad URL")
	// ErrHandshake: the server's open packet was missing or malformed, or the
	// server answered the handshake with an error.
	ErrHandshake = errors.New("engineclient: handshake failed")
	// ErrNoTransport: no transport in Dialer.Transports could be opened.
	ErrNoTransport = errors.New("engineclient: no usable transport")
)

// Dialer opens Engine.IO v4 client sessions. The zero value is valid once URL
// is set. A Dialer is safe for concurrent use by several Dials and must not be
// modified while a Dial runs. Dial has the shape client.Config.Dial
// expects: pass d.Dial.
type Dialer struct {
	// URL is the server address. Schemes: http and https (polling and
	// websocket), ws and wss (websocket only unless Transports says
	// otherwise), tcp and tls (the raw TCP transport, see package
	// transport/tcp). Only scheme, host and, for http(s)/ws(s), query matter;
	// the path comes from Path.
	URL string
	// Path is the Engine.IO endpoint path for http(s)/ws(s). Defaults to
	// "/socket.io/" (use "/engine.io/" for a bare Engine.IO server).
	Path string
	// Query holds extra query parameters sent with every request (and, over
	// tcp, in the opening frame).
	Query url.Values
	// Header holds extra request headers (also sent in the tcp opening frame).
	Header http.Header
	// Transports lists the transports to try, in order; the first that
	// completes a handshake is used. Defaults to ["polling", "websocket"] for
	// http(s), ["websocket"] for ws(s) and ["tcp"] for tcp/tls URLs.
	Transports []string
	// NoUpgrade disables the polling to websocket upgrade. Default false:
	// upgrade when the server offers it, as socket.io-client's upgrade: true.
	NoUpgrade bool
	// TLSConfig is used for https, wss and tls URLs. Defaults to a config with
	// ServerName taken from the URL.
	TLSConfig *tls.Config
	// Timeout bounds the handshake and the upgrade probe. Defaults to 20 s.
	Timeout time.Duration
	// MaxPayload bounds one inbound message (websocket, tcp); a polling
	// response may hold up to 16 times as much. Defaults to 1e6 bytes.
	MaxPayload int
	// WriteTimeout bounds every network write (and every polling POST).
	// Defaults to 10 s.
	WriteTimeout time.Duration
	// MaxOutboxMessages bounds the outbox by count. Defaults to 4096.
	MaxOutboxMessages int
	// MaxOutboxBytes bounds the outbox by bytes. Defaults to 16 MiB.
	MaxOutboxBytes int
	// HTTPClient carries polling requests. Defaults to a client of its own
	// with TLSConfig; its Timeout, if any, must exceed the server's
	// pingInterval.
	HTTPClient *http.Client
	// Logger receives debug and error logs. Defaults to slog.Default().
	Logger *slog.Logger
}

// config is a Dialer with defaults applied and the URL parsed.
type config struct {
	Dialer
	u       *url.URL
	ownHTTP bool // HTTPClient is the Dial's own: close its idle connections when done
}

// closeIdle closes the idle connections of the Dial's own HTTP client, so a
// finished or failed session leaves no keep-alive connection (and its two
// goroutines) behind.
func (c *config) closeIdle() {
	if c.ownHTTP {
		c.HTTPClient.CloseIdleConnections()
	}
}

func (d *Dialer) resolve() (*config, error) {
	c := &config{Dialer: *d}
	u, err := url.Parse(d.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: %q has no host", ErrBadURL, d.URL)
	}
	c.u = u
	var def []string
	switch u.Scheme {
	case "http", "https":
		def = []string{Polling, WebSocket}
	case "ws", "wss":
		def = []string{WebSocket}
	case "tcp", "tls":
		def = []string{TCP}
	default:
		return nil, fmt.Errorf("%w: scheme %q", ErrBadURL, u.Scheme)
	}
	if len(c.Transports) == 0 {
		c.Transports = def
	}
	for _, t := range c.Transports {
		if t != Polling && t != WebSocket && t != TCP {
			return nil, fmt.Errorf("%w: unknown transport %q", ErrNoTransport, t)
		}
	}
	if c.Path == "" {
		c.Path = "/socket.io/"
	}
	if c.Timeout <= 0 {
		c.Timeout = 20 * time.Second
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = 1_000_000
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.MaxOutboxMessages <= 0 {
		c.MaxOutboxMessages = 4096
	}
	if c.MaxOutboxBytes <= 0 {
		c.MaxOutboxBytes = 16 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.HTTPClient == nil {
		c.ownHTTP = true
		c.HTTPClient = &http.Client{Transport: &http.Transport{
			TLSClientConfig:     c.tlsConfig(),
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		}}
	}
	return c, nil
}

func (c *config) secure() bool {
	switch c.u.Scheme {
	case "https", "wss", "tls":
		return true
	}
	return false
}

func (c *config) tlsConfig() *tls.Config {
	var t *tls.Config
	if c.TLSConfig != nil {
		t = c.TLSConfig.Clone()
	} else {
		t = &tls.Config{}
	}
	if t.ServerName == "" {
		t.ServerName = c.u.Hostname()
	}
	return t
}

// hostPort is the URL's host with the scheme's default port.
func (c *config) hostPort() string {
	if c.u.Port() != "" {
		return c.u.Host
	}
	port := "80"
	if c.secure() {
		port = "443"
	}
	return net.JoinHostPort(c.u.Hostname(), port)
}

// endpoint returns the Engine.IO URL for transport t (sid may be empty).
func (c *config) endpoint(t, sid string) string {
	u := *c.u
	switch {
	case t == WebSocket && c.secure():
		u.Scheme = "wss"
	case t == WebSocket:
		u.Scheme = "ws"
	case c.secure():
		u.Scheme = "https"
	default:
		u.Scheme = "http"
	}
	u.Path = c.Path
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	q := u.Query()
	for k, v := range c.Query {
		q[k] = slices.Clone(v)
	}
	q.Set("EIO", "4")
	q.Set("transport", t)
	if sid != "" {
		q.Set("sid", sid)
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String()
}

// Dial opens an Engine.IO session with h as its Handler, trying
// d.Transports in order. ctx bounds the handshake only; the session lives
// until it is closed. On success h.OnOpen has returned nil and the returned
// Conn is open; if h.OnOpen refuses, the session is closed and its error
// returned. Dial is safe for concurrent use.
func (d *Dialer) Dial(ctx context.Context, h transport.Handler) (transport.Conn, error) {
	c, err := d.resolve()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var errs []error
	for _, t := range c.Transports {
		conn, err := c.open(ctx, t)
		if err == nil {
			return conn.start(h)
		}
		errs = append(errs, fmt.Errorf("%s: %w", t, err))
		if ctx.Err() != nil {
			break
		}
	}
	c.closeIdle()
	return nil, fmt.Errorf("engineclient: dial %s: %w: %w", d.URL, ErrNoTransport, errors.Join(errs...))
}

// open performs the handshake over transport t and returns a session that is
// not yet started.
func (c *config) open(ctx context.Context, t string) (*conn, error) {
	switch t {
	case Polling:
		return c.openPolling(ctx)
	case WebSocket:
		return c.openWebSocket(ctx)
	default:
		return c.openTCP(ctx)
	}
}
