package natsadapter

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/internal/cluster"
	"github.com/sockbus/sockbus/codec"
)

// Config configures the adapters New creates. The zero value is valid.
type Config struct {
	// Conn is the NATS connection; the adapters do not close it. Defaults
	// to a connection to URL per adapter, closed by Close.
	Conn *nats.Conn
	// URL is the server used when Conn is nil. Defaults to
	// nats.DefaultURL (nats://127.0.0.1:4222).
	URL string
	// Prefix is the first subject token. Defaults to "sockbus".
	Prefix string
	// HeartbeatInterval is how often an adapter says it is alive.
	// Defaults to 5 s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a silent server is still counted.
	// Defaults to 10 s.
	HeartbeatTimeout time.Duration
	// RequestsTimeout bounds the wait for the other servers' answers
	// (besides ctx). Defaults to 5 s.
	RequestsTimeout time.Duration
	// Logger receives NATS and decoding errors. Defaults to slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.URL == "" {
		c.URL = nats.DefaultURL
	}
	if c.Prefix == "" {
		c.Prefix = "sockbus"
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 5 * time.Second
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = 10 * time.Second
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Errors.
var (
	// ErrTimeout is returned (wrapped) when the other servers did not all
	// answer within Config.RequestsTimeout.
	ErrTimeout = errors.New("natsadapter: request timed out")
	// ErrClosed is returned by the operations of a closed adapter.
	ErrClosed = errors.New("natsadapter: adapter closed")
)

// Message types (ClusterAdapter's, plus 14 and 15).
const (
	initialHeartbeat = iota + 1
	heartbeat
	broadcast
	socketsJoin
	socketsLeave
	disconnectSockets
	fetchSockets
	fetchSocketsResponse
	serverSideEmit
	serverSideEmitResponse
	broadcastClientCount
	broadcastAck
	adapterClose
	allRooms
	allRoomsResponse
)

// New returns a factory of NATS adapters, one per namespace, for
// bus.Config.NewAdapter. The factory fails when it cannot connect to
// Config.URL.
func New(cfg Config) bus.AdapterFactory {
	cfg = cfg.withDefaults()
	return func(l bus.Local) (bus.Adapter, error) {
		nc, own := cfg.Conn, false
		if nc == nil {
			var err error
			if nc, err = nats.Connect(cfg.URL, nats.MaxReconnects(-1)); err != nil {
				return nil, fmt.Errorf("natsadapter: connect %s: %w", cfg.URL, err)
			}
			own = true
		}
		a, err := newAdapter(cfg, nc, l)
		if err != nil {
			if own {
				nc.Close()
			}
			return nil, err
		}
		a.ownConn = own
		return a, nil
	}
}

// subjectToken returns nsp as a subject token (see the package doc).
func subjectToken(nsp string) string {
	safe := nsp != "" && !strings.ContainsFunc(nsp, func(r rune) bool {
		return !(r == '/' || r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'))
	})
	if safe {
		return nsp
	}
	return "~" + base64.RawURLEncoding.EncodeToString([]byte(nsp))
}

// envelope is every message: {type,data,uid,nsp}.
type envelope struct {
	Type int                `msgpack:"type"`
	Data msgpack.RawMessage `msgpack:"data,omitempty"`
	UID  string             `msgpack:"uid"`
	Nsp  string             `msgpack:"nsp"`
}

// args are event or ack arguments: Socket.IO JSON plus attachments.
type args struct {
	JSON        []byte   `msgpack:"json"`
	Attachments [][]byte `msgpack:"attachments,omitempty"`
}

func argsOf(a bus.Args) (args, error) {
	if a.Values != nil {
		js, atts, err := codec.AppendArgs(nil, a.Values)
		return args{JSON: js, Attachments: atts}, err
	}
	return args{JSON: a.AppendJSON(nil), Attachments: a.Attachments}, nil
}

func (a args) bus() (bus.Args, error) {
	return codec.SplitArgs(a.JSON, a.Attachments)
}

type flags struct {
	Volatile  bool  `msgpack:"volatile,omitempty"`
	Compress  *bool `msgpack:"compress,omitempty"`
	TimeoutMS int64 `msgpack:"timeout,omitempty"`
}

type opts struct {
	Rooms  []string `msgpack:"rooms"`
	Except []string `msgpack:"except"`
	Flags  flags    `msgpack:"flags"`
}

func optsOf(o bus.BroadcastOptions) opts {
	return opts{Rooms: o.Rooms, Except: o.Except, Flags: flags{
		Volatile: o.Flags.Volatile, Compress: o.Flags.Compress, TimeoutMS: o.Flags.Timeout.Milliseconds()}}
}

func (o opts) bus() bus.BroadcastOptions {
	return bus.BroadcastOptions{Rooms: o.Rooms, Except: o.Except, Flags: bus.BroadcastFlags{
		Volatile: o.Flags.Volatile, Compress: o.Flags.Compress, Timeout: time.Duration(o.Flags.TimeoutMS) * time.Millisecond}}
}

// payload is the data of every message type; unused fields are omitted.
type payload struct {
	Packet      *args           `msgpack:"packet,omitempty"`
	RequestID   string          `msgpack:"requestId,omitempty"`
	Opts        *opts           `msgpack:"opts,omitempty"`
	Rooms       []string        `msgpack:"rooms,omitempty"`
	Close       bool            `msgpack:"close,omitempty"`
	Sockets     json.RawMessage `msgpack:"sockets,omitempty"`
	ClientCount int             `msgpack:"clientCount,omitempty"`
}

// adapter is the Adapter of one namespace.
type adapter struct {
	cfg     Config
	log     *slog.Logger
	local   bus.Local
	nc      *nats.Conn
	ownConn bool
	uid     string
	nsp     string
	subject string // <prefix>.<nsp>

	subs     []*nats.Subscription
	stop     chan struct{}
	wg       sync.WaitGroup // the heartbeat goroutine
	handlers sync.WaitGroup // message callbacks in flight
	once     sync.Once

	reqs *cluster.Requests // FetchSockets, AllRooms, ServerSideEmitWithAck, BroadcastWithAck

	mu     sync.Mutex
	nodes  map[string]time.Time // other servers, last heard from
	closed bool
}

var _ bus.Adapter = (*adapter)(nil)

func newAdapter(cfg Config, nc *nats.Conn, l bus.Local) (*adapter, error) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	a := &adapter{
		cfg: cfg, local: l, nc: nc, uid: hex.EncodeToString(id[:]), nsp: l.Namespace(),
		stop: make(chan struct{}), nodes: make(map[string]time.Time), reqs: cluster.NewRequests(),
	}
	a.log = cfg.Logger.With("adapter", "nats", "namespace", a.nsp)
	a.subject = cfg.Prefix + "." + subjectToken(a.nsp)
	for _, s := range []string{a.subject, a.subject + "." + a.uid} {
		// nats.go queues pending messages per subscription (512k messages,
		// 64 MiB by default) and calls handle on a goroutine of its own.
		sub, err := nc.Subscribe(s, a.handle)
		if err != nil {
			a.unsubscribe()
			return nil, fmt.Errorf("natsadapter: subscribe %s: %w", s, err)
		}
		a.subs = append(a.subs, sub)
	}
	if err := nc.Flush(); err != nil {
		a.log.Warn("natsadapter: flush subscriptions", "err", err)
	}
	a.wg.Add(1)
	go a.heartbeats()
	a.send(a.subject, initialHeartbeat, nil)
	return a, nil
}

func (a *adapter) unsubscribe() {
	for _, s := range a.subs {
		_ = s.Unsubscribe()
	}
}

// send publishes a message; errors are logged.
func (a *adapter) send(subject string, typ int, data *payload) {
	if err := a.publish(subject, typ, data); err != nil && !errors.Is(err, ErrClosed) {
		a.log.Error("natsadapter: publish", "type", typ, "err", err)
	}
}

func (a *adapter) publish(subject string, typ int, data *payload) error {
	env := envelope{Type: typ, UID: a.uid, Nsp: a.nsp}
	if data != nil {
		b, err := msgpack.Marshal(data)
		if err != nil {
			return fmt.Errorf("natsadapter: encode: %w", err)
		}
		env.Data = b
	}
	msg, err := msgpack.Marshal(&env)
	if err != nil {
		return fmt.Errorf("natsadapter: encode: %w", err)
	}
	if err := a.nc.Publish(subject, msg); err != nil {
		return fmt.Errorf("natsadapter: publish on %s: %w", subject, err)
	}
	return nil
}

func (a *adapter) heartbeats() {
	defer a.wg.Done()
	t := time.NewTicker(a.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case now := <-t.C:
			a.send(a.subject, heartbeat, nil)
			a.mu.Lock()
			for uid, seen := range a.nodes {
				if now.Sub(seen) > a.cfg.HeartbeatTimeout {
					delete(a.nodes, uid)
				}
			}
			a.mu.Unlock()
		}
	}
}

// handle processes one message unless the adapter is closed; Close waits
// for the calls in flight.
func (a *adapter) handle(m *nats.Msg) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.handlers.Add(1)
	a.mu.Unlock()
	defer a.handlers.Done()
	a.onMessage(m.Data)
}

func (a *adapter) onMessage(b []byte) {
	var env envelope
	if err := msgpack.Unmarshal(b, &env); err != nil {
		a.log.Warn("natsadapter: malformed message", "err", err)
		return
	}
	if env.UID == a.uid || env.Nsp != a.nsp {
		return
	}
	var d payload
	if len(env.Data) > 0 {
		if err := msgpack.Unmarshal(env.Data, &d); err != nil {
			a.log.Warn("natsadapter: malformed message data", "type", env.Type, "err", err)
			return
		}
	}
	a.mu.Lock()
	if env.Type == adapterClose {
		delete(a.nodes, env.UID)
	} else if env.UID != "emitter" {
		a.nodes[env.UID] = time.Now()
	}
	a.mu.Unlock()
	reply := a.subject + "." + env.UID
	switch env.Type {
	case initialHeartbeat:
		a.send(a.subject, heartbeat, nil)
	case broadcast:
		a.onBroadcast(reply, &d)
	case socketsJoin:
		a.local.SocketsJoin(d.options(), d.Rooms)
	case socketsLeave:
		a.local.SocketsLeave(d.options(), d.Rooms)
	case disconnectSockets:
		a.local.DisconnectSockets(d.options(), d.Close)
	case fetchSockets:
		sockets, err := json.Marshal(cluster.NonNil(a.local.FetchSockets(d.options())))
		if err != nil {
			a.log.Error("natsadapter: encode sockets", "err", err)
			return
		}
		a.send(reply, fetchSocketsResponse, &payload{RequestID: d.RequestID, Sockets: sockets})
	case allRooms:
		a.send(reply, allRoomsResponse, &payload{RequestID: d.RequestID, Rooms: cluster.NonNil(a.local.Rooms())})
	case serverSideEmit:
		a.onServerSideEmit(reply, &d)
	case fetchSocketsResponse, allRoomsResponse, serverSideEmitResponse:
		a.collect(env.Type, &d)
	case broadcastClientCount, broadcastAck:
		a.onAck(env.Type, &d)
	}
}

func (d *payload) options() bus.BroadcastOptions {
	if d.Opts == nil {
		return bus.BroadcastOptions{}
	}
	return d.Opts.bus()
}

func (d *payload) event(nsp string) (*codec.Packet, bool) {
	if d.Packet == nil || len(d.Packet.JSON) == 0 || d.Packet.JSON[0] != '[' {
		return nil, false
	}
	return &codec.Packet{Type: codec.Event, Namespace: nsp, Data: d.Packet.JSON, Attachments: d.Packet.Attachments}, true
}

func (a *adapter) onBroadcast(reply string, d *payload) {
	pkt, ok := d.event(a.nsp)
	if !ok {
		a.log.Warn("natsadapter: malformed broadcast")
		return
	}
	if d.RequestID == "" {
		a.local.Broadcast(pkt, d.options())
		return
	}
	id := d.RequestID
	a.local.BroadcastWithAck(pkt, d.options(), func(n int) {
		a.send(reply, broadcastClientCount, &payload{RequestID: id, ClientCount: n})
	}, func(ack bus.Args) {
		p, err := argsOf(ack)
		if err != nil {
			a.log.Error("natsadapter: encode acknowledgement", "err", err)
			return
		}
		a.send(reply, broadcastAck, &payload{RequestID: id, Packet: &p})
	})
}

func (a *adapter) onServerSideEmit(reply string, d *payload) {
	if d.Packet == nil {
		return
	}
	name, rest, err := codec.EventName(d.Packet.JSON)
	if err != nil {
		a.log.Warn("natsadapter: malformed server-side emit", "err", err)
		return
	}
	var ack func([]any)
	if d.RequestID != "" {
		var once sync.Once
		id := d.RequestID
		ack = func(v []any) {
			once.Do(func() {
				p, err := argsOf(bus.Args{Values: cluster.NonNil(v)})
				if err != nil {
					a.log.Error("natsadapter: encode server-side ack", "err", err)
					return
				}
				a.send(reply, serverSideEmitResponse, &payload{RequestID: id, Packet: &p})
			})
		}
	}
	a.local.ServerSideEmit(name, bus.Args{Raw: rest, Attachments: d.Packet.Attachments}, ack)
}

func (a *adapter) onAck(typ int, d *payload) {
	h := a.reqs.Ack(d.RequestID)
	if h == nil {
		return
	}
	if typ == broadcastClientCount {
		h.ClientCount(d.ClientCount)
		return
	}
	if d.Packet == nil {
		return
	}
	args, err := d.Packet.bus()
	if err != nil {
		a.log.Warn("natsadapter: malformed acknowledgement", "err", err)
		return
	}
	h.Ack(args)
}

func (a *adapter) collect(typ int, d *payload) {
	res := cluster.Response{Rooms: d.Rooms}
	switch typ {
	case fetchSocketsResponse:
		var err error
		if res.Sockets, err = cluster.DecodeSockets(d.Sockets); err != nil {
			a.log.Warn("natsadapter: malformed fetch response", "err", err)
		}
	case serverSideEmitResponse:
		res.Ack = &bus.Args{}
		if d.Packet != nil {
			var err error
			if *res.Ack, err = d.Packet.bus(); err != nil {
				a.log.Warn("natsadapter: malformed server-side ack", "err", err)
			}
		}
	}
	a.reqs.Collect(d.RequestID, res)
}

func (a *adapter) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

func (a *adapter) fire(typ int, d *payload) error {
	if a.isClosed() {
		return ErrClosed
	}
	return a.publish(a.subject, typ, d)
}

func packetArgs(pkt *codec.Packet) (*args, error) {
	if pkt.Values != nil {
		js, atts, err := codec.AppendArgs(nil, pkt.Values)
		if err != nil {
			return nil, fmt.Errorf("natsadapter: broadcast: %w", err)
		}
		return &args{JSON: js, Attachments: atts}, nil
	}
	return &args{JSON: pkt.Data, Attachments: pkt.Attachments}, nil
}

// Broadcast publishes pkt for the other servers.
func (a *adapter) Broadcast(_ context.Context, pkt *codec.Packet, o bus.BroadcastOptions) error {
	p, err := packetArgs(pkt)
	if err != nil {
		return err
	}
	op := optsOf(o)
	return a.fire(broadcast, &payload{Packet: p, Opts: &op})
}

// BroadcastWithAck publishes pkt with a request id; the other servers
// answer with client counts and acknowledgements until ctx is done (or
// the requests timeout when ctx has no deadline).
func (a *adapter) BroadcastWithAck(ctx context.Context, pkt *codec.Packet, o bus.BroadcastOptions, clientCount func(int), ack func(bus.Args)) error {
	p, err := packetArgs(pkt)
	if err != nil {
		return err
	}
	o.Flags.Timeout = cluster.AckTimeout(ctx, o.Flags.Timeout, a.cfg.RequestsTimeout)
	id := requestID()
	if a.isClosed() || a.reqs.OpenAck(id, o.Flags.Timeout, cluster.AckHandler{ClientCount: clientCount, Ack: ack}) != nil {
		return ErrClosed
	}
	op := optsOf(o)
	return a.fire(broadcast, &payload{Packet: p, RequestID: id, Opts: &op})
}

// requestID names one request: a random (version 4) UUID, unique across
// the cluster without coordination.
func requestID() string { return uuid.NewString() }

// request publishes a request and waits for one response per other server.
// It returns what arrived, also with an error.
func (a *adapter) request(ctx context.Context, op string, typ int, kind cluster.Kind, d *payload) (cluster.Result, error) {
	want, _ := a.ServerCount(ctx)
	want--
	if want <= 0 {
		return cluster.Result{}, nil
	}
	d.RequestID = requestID()
	if a.isClosed() {
		return cluster.Result{}, ErrClosed
	}
	q, err := a.reqs.Open(d.RequestID, kind, want)
	if err != nil {
		return cluster.Result{}, ErrClosed
	}
	defer q.Close()
	if err := a.publish(a.subject, typ, d); err != nil {
		return cluster.Result{}, fmt.Errorf("natsadapter: %s: %w", op, err)
	}
	res, err := q.Wait(ctx, a.cfg.RequestsTimeout)
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, cluster.ErrTimeout):
		err = fmt.Errorf("%w: %s: after %v", ErrTimeout, op, a.cfg.RequestsTimeout)
	case errors.Is(err, cluster.ErrClosed):
		err = fmt.Errorf("natsadapter: %s: %w", op, ErrClosed)
	default:
		err = fmt.Errorf("natsadapter: %s: %w", op, err)
	}
	return res, fmt.Errorf("%w (%d of %d responses)", err, res.Got, res.Want)
}

// FetchSockets asks the other servers for their matching sockets.
func (a *adapter) FetchSockets(ctx context.Context, o bus.BroadcastOptions) ([]bus.SocketInfo, error) {
	op := optsOf(o)
	res, err := a.request(ctx, "fetch sockets", fetchSockets, cluster.FetchSockets, &payload{Opts: &op})
	if err != nil {
		return nil, err
	}
	return res.Sockets, nil
}

// AllRooms asks the other servers for their rooms.
func (a *adapter) AllRooms(ctx context.Context) ([]string, error) {
	res, err := a.request(ctx, "all rooms", allRooms, cluster.AllRooms, &payload{})
	if err != nil {
		return nil, err
	}
	return res.Rooms, nil
}

func emitArgs(v []any) (*args, error) {
	js, atts, err := codec.AppendArgs(nil, v)
	if err != nil {
		return nil, fmt.Errorf("natsadapter: server-side emit: %w", err)
	}
	return &args{JSON: js, Attachments: atts}, nil
}

// ServerSideEmit sends args to the other servers.
func (a *adapter) ServerSideEmit(_ context.Context, v []any) error {
	p, err := emitArgs(v)
	if err != nil {
		return err
	}
	return a.fire(serverSideEmit, &payload{Packet: p})
}

// ServerSideEmitWithAck sends args and waits for one acknowledgement per
// other server.
func (a *adapter) ServerSideEmitWithAck(ctx context.Context, v []any) ([]bus.Args, error) {
	p, err := emitArgs(v)
	if err != nil {
		return nil, err
	}
	res, err := a.request(ctx, "server-side emit", serverSideEmit, cluster.ServerSideEmit, &payload{Packet: p})
	return res.Acks, err
}

// SocketsJoin makes the matching sockets of the other servers join rooms.
func (a *adapter) SocketsJoin(_ context.Context, o bus.BroadcastOptions, rooms []string) error {
	op := optsOf(o)
	return a.fire(socketsJoin, &payload{Opts: &op, Rooms: rooms})
}

// SocketsLeave makes the matching sockets of the other servers leave rooms.
func (a *adapter) SocketsLeave(_ context.Context, o bus.BroadcastOptions, rooms []string) error {
	op := optsOf(o)
	return a.fire(socketsLeave, &payload{Opts: &op, Rooms: rooms})
}

// DisconnectSockets disconnects the matching sockets of the other servers.
func (a *adapter) DisconnectSockets(_ context.Context, o bus.BroadcastOptions, close bool) error {
	op := optsOf(o)
	return a.fire(disconnectSockets, &payload{Opts: &op, Close: close})
}

// ServerCount is 1 plus the servers heard from within the heartbeat
// timeout.
func (a *adapter) ServerCount(context.Context) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return 0, ErrClosed
	}
	return 1 + len(a.nodes), nil
}

// Close says ADAPTER_CLOSE, unsubscribes and stops the adapter's
// goroutines (and closes the connection it made).
func (a *adapter) Close() error {
	a.once.Do(func() {
		a.send(a.subject, adapterClose, nil)
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		a.reqs.Close()
		a.unsubscribe()
		close(a.stop)
		a.wg.Wait()
		a.handlers.Wait()
		if a.ownConn {
			a.nc.Close()
		} else {
			_ = a.nc.Flush()
		}
	})
	return nil
}
