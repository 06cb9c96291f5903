package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// Config configures a Server. The zero value is valid.
type Config struct {
	// Logger receives handler panics and adapter errors. Defaults to
	// slog.Default().
	Logger *slog.Logger
	// ConnectTimeout closes a connection that has not connected to any
	// namespace in time. Defaults to 45 s.
	ConnectTimeout time.Duration
	// Limits bound inbound packets (codec defaults when zero).
	Limits codec.Limits
	// NewAdapter creates the Adapter of each namespace. Defaults to a
	// single-server adapter (every operation is local).
	NewAdapter AdapterFactory
	// CleanupEmptyChildNamespaces removes a child of a dynamic namespace
	// (OfFunc, OfRegexp) once its last socket has disconnected (after the
	// "disconnect" listeners ran) or its only connecting socket was refused:
	// it leaves Server and ParentNamespace.Children and its adapter is
	// closed. A later connection to the name creates a new child (and
	// OnNamespace handlers run again). Defaults to false: children are kept,
	// as in Node.
	CleanupEmptyChildNamespaces bool
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 45 * time.Second
	}
	if c.NewAdapter == nil {
		c.NewAdapter = newSingleAdapter
	}
	return c
}

// Server is a Socket.IO server: a transport.Handler and transport.ValueHandler
// that multiplexes namespaces over connections. It is safe for concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger

	// afterConnectReply, set by tests before any connection, runs right
	// after a socket's CONNECT reply is sent.
	afterConnectReply func(*Socket)

	mu      sync.RWMutex
	nss     map[string]*Namespace
	parents []*ParentNamespace

	conns   sync.Map // transport.Conn -> *conn
	connMu  sync.Mutex
	nconns  int
	idle    chan struct{} // closed when nconns reaches 0 after shutdown began
	closed  atomic.Bool
	closeMu sync.Once
}

var (
	_ transport.Handler      = (*Server)(nil)
	_ transport.ValueHandler = (*Server)(nil)
)

// NewServer returns a Server with the main namespace "/" created. It fails
// when the adapter factory refuses the main namespace.
func NewServer(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg.withDefaults(), nss: make(map[string]*Namespace)}
	s.log = s.cfg.Logger
	ns, err := newNamespace(s, "/", nil)
	if err != nil {
		return nil, fmt.Errorf("bus: new server: %w", err)
	}
	s.nss["/"] = ns
	return s, nil
}

// normalize adds the leading slash of a namespace name.
func normalize(name string) string {
	if !strings.HasPrefix(name, "/") {
		return "/" + name
	}
	return name
}

// Of returns the namespace name ("/" is the main one), creating it on first
// use. If the adapter factory fails, the error is logged and the namespace
// works on this server only.
func (s *Server) Of(name string) *Namespace {
	name = normalize(name)
	s.mu.RLock()
	ns := s.nss[name]
	s.mu.RUnlock()
	if ns != nil {
		return ns
	}
	return s.create(name, nil, false)
}

// create registers a namespace unless one exists; it returns the one kept,
// acquired for a connecting socket when acquire is set.
func (s *Server) create(name string, parent *ParentNamespace, acquire bool) *Namespace {
	ns, err := newNamespace(s, name, parent)
	if err != nil {
		s.log.Error("bus: adapter", "namespace", name, "err", err)
		ns, _ = newNamespaceWith(s, name, parent, newSingleAdapter)
	}
	s.mu.Lock()
	if old := s.nss[name]; old != nil {
		if acquire {
			old.acquire()
		}
		s.mu.Unlock()
		_ = ns.adapter.Close()
		return old
	}
	s.nss[name] = ns
	if acquire {
		ns.acquire()
	}
	s.mu.Unlock()
	if parent != nil {
		parent.addChild(ns)
	}
	return ns
}

// OfFunc registers a dynamic namespace: a client connecting to a name that
// has no namespace yet gets a child namespace created for it when match
// returns true (auth is the CONNECT payload). match runs on the
// connection's reader goroutine. Middlewares and connection handlers of the
// returned parent apply to every child; its broadcasts reach every child.
func (s *Server) OfFunc(match func(name string, auth json.RawMessage) bool) *ParentNamespace {
	p := &ParentNamespace{srv: s, match: match}
	s.mu.Lock()
	s.parents = append(s.parents, p)
	s.mu.Unlock()
	return p
}

// OfRegexp is OfFunc matching namespace names with re.
func (s *Server) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	return s.OfFunc(func(name string, _ json.RawMessage) bool { return re.MatchString(name) })
}

// lookup returns the namespace a CONNECT to name reaches, acquired for the
// connecting socket (see Namespace.acquire), or nil.
func (s *Server) lookup(name string, auth json.RawMessage) *Namespace {
	s.mu.RLock()
	ns := s.nss[name]
	if ns != nil {
		ns.acquire() // a namespace still in nss is not removed
	}
	parents := s.parents
	s.mu.RUnlock()
	if ns != nil {
		return ns
	}
	for _, p := range parents {
		if p.matches(name, auth) {
			return s.create(name, p, true)
		}
	}
	return nil
}

// removeEmpty removes the child namespace ns if no socket is connected or
// connecting to it (CleanupEmptyChildNamespaces).
func (s *Server) removeEmpty(ns *Namespace) {
	s.mu.Lock()
	ns.lifeMu.Lock()
	empty := ns.active == 0 && !ns.removed
	if empty {
		ns.removed = true
		if s.nss[ns.name] == ns {
			delete(s.nss, ns.name)
		}
	}
	ns.lifeMu.Unlock()
	s.mu.Unlock()
	if !empty {
		return
	}
	ns.parent.removeChild(ns)
	if err := ns.closeAdapter(); err != nil {
		s.log.Error("bus: close adapter", "namespace", ns.name, "err", err)
	}
}

// namespaces returns a snapshot of every namespace.
func (s *Server) namespaces() []*Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Namespace, 0, len(s.nss))
	for _, ns := range s.nss {
		out = append(out, ns)
	}
	return out
}

// OnOpen implements transport.Handler: it starts the connect timeout.
func (s *Server) OnOpen(tc transport.Conn, h transport.Handshake) error {
	if s.closed.Load() {
		return ErrServerClosed
	}
	c := newConn(s, tc, h)
	s.connMu.Lock()
	s.nconns++
	s.connMu.Unlock()
	s.conns.Store(tc, c)
	c.startTimer(s.cfg.ConnectTimeout)
	return nil
}

// OnMessage implements transport.Handler.
func (s *Server) OnMessage(tc transport.Conn, m *transport.Message) {
	if c := s.conn(tc); c != nil {
		c.onMessage(m)
	}
}

// OnValue implements transport.ValueHandler: v must be a *codec.Packet in
// the in-process form (Values set for EVENT and ACK).
func (s *Server) OnValue(tc transport.Conn, v any) {
	c := s.conn(tc)
	if c == nil {
		return
	}
	pkt, ok := v.(*codec.Packet)
	if !ok {
		c.parseError(fmt.Errorf("bus: value of type %T", v))
		return
	}
	c.onPacket(pkt)
}

// OnClose implements transport.Handler: every socket of the connection is
// disconnected with the reason mapped by ReasonOf.
func (s *Server) OnClose(tc transport.Conn, reason error) {
	c := s.conn(tc)
	if c == nil {
		return
	}
	s.conns.Delete(tc)
	c.onClose(ReasonOf(reason))
	s.connMu.Lock()
	s.nconns--
	if s.nconns == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
	s.connMu.Unlock()
}

func (s *Server) conn(tc transport.Conn) *conn {
	v, ok := s.conns.Load(tc)
	if !ok {
		return nil
	}
	return v.(*conn)
}

// Shutdown disconnects every socket with reason "server shutting down",
// closes every connection and the adapters, and waits until the transports
// reported every connection closed, or ctx is done (its error, wrapped).
func (s *Server) Shutdown(ctx context.Context) error {
	idle := s.stop()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bus: shutdown: %w", ctx.Err())
	}
}

// Close is Shutdown without waiting for the transports.
func (s *Server) Close() error {
	s.stop()
	return nil
}

// stop does the work of Shutdown and returns a channel closed when no
// connection is left.
func (s *Server) stop() <-chan struct{} {
	s.closed.Store(true)
	idle := make(chan struct{})
	s.connMu.Lock()
	switch {
	case s.nconns == 0:
		close(idle)
	case s.idle != nil:
		idle = s.idle
	default:
		s.idle = idle
	}
	s.connMu.Unlock()
	s.closeMu.Do(func() {
		var conns []*conn
		s.conns.Range(func(_, v any) bool {
			conns = append(conns, v.(*conn))
			return true
		})
		for _, c := range conns {
			c.disconnectAll(ReasonServerShutdown)
			_ = c.tc.Close(transport.ErrServerShutdown)
		}
		var errs []error
		for _, ns := range s.namespaces() {
			errs = append(errs, ns.closeAdapter())
		}
		if err := errors.Join(errs...); err != nil {
			s.log.Error("bus: close adapters", "err", err)
		}
	})
	return idle
}
