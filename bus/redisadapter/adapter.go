package redisadapter

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/internal/cluster"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/room"
)

// Config configures the adapters New creates. The zero value is valid: a
// Redis at localhost:6379, prefix "socket.io".
type Config struct {
	// Client is the Redis client to publish and subscribe with; the
	// adapters do not close it. Defaults to a client for Addr, shared by
	// the namespaces and closed with the last adapter.
	Client redis.UniversalClient
	// Addr is the Redis address used when Client is nil. Defaults to
	// "localhost:6379".
	Addr string
	// Prefix is the channel prefix, Node's `key` option. Defaults to
	// "socket.io".
	Prefix string
	// RequestsTimeout bounds the wait for the other servers' answers to
	// FetchSockets, AllRooms and ServerSideEmitWithAck (besides ctx).
	// Defaults to 5 s, as Node's requestsTimeout.
	RequestsTimeout time.Duration
	// Logger receives Redis and decoding errors. Defaults to slog.Default().
	Logger *slog.Logger

	broker broker // tests: replaces the Redis client
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = "localhost:6379"
	}
	if c.Prefix == "" {
		c.Prefix = "socket.io"
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
	// answer a request within Config.RequestsTimeout.
	ErrTimeout = errors.New("redisadapter: request timed out")
	// ErrClosed is returned by the operations of a closed adapter.
	ErrClosed = errors.New("redisadapter: adapter closed")
)

// New returns a factory of adapters compatible with Node's
// @socket.io/redis-adapter 8.x (classic pub/sub), one per namespace, for
// bus.Config.NewAdapter. Each adapter holds one subscription connection.
func New(cfg Config) bus.AdapterFactory {
	cfg = cfg.withDefaults()
	var shared *sharedClient
	if cfg.broker == nil && cfg.Client == nil {
		shared = &sharedClient{addr: cfg.Addr}
	}
	return func(l bus.Local) (bus.Adapter, error) {
		b := cfg.broker
		if b == nil {
			if shared != nil {
				b = &redisBroker{c: shared.acquire(), done: shared.release}
			} else {
				b = &redisBroker{c: cfg.Client, done: func() error { return nil }}
			}
		}
		return newAdapter(cfg, b, l), nil
	}
}

// adapter is the Adapter of one namespace.
type adapter struct {
	cfg   Config
	log   *slog.Logger
	local bus.Local
	b     broker
	sub   subscription
	uid   string
	nsp   string

	channel     string // <prefix>#<nsp>#
	reqChannel  string // <prefix>-request#<nsp>#
	respChannel string // <prefix>-response#<nsp>#

	queue  chan outbound   // to the publisher goroutine
	ctx    context.Context // done on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	reqs *cluster.Requests // FetchSockets, AllRooms, ServerSideEmitWithAck, BroadcastWithAck

	mu         sync.Mutex
	rooms      map[string]struct{} // local rooms, from OnRoomEvent
	failing    bool                // the subscription reported an error (logged once)
	publishErr error               // outcome of the last published batch
	closed     bool
}

var (
	_ bus.Adapter      = (*adapter)(nil)
	_ bus.RoomObserver = (*adapter)(nil)
)

func newAdapter(cfg Config, b broker, l bus.Local) *adapter {
	nsp := l.Namespace()
	a := &adapter{
		cfg: cfg, log: cfg.Logger.With("adapter", "redis", "namespace", nsp),
		local: l, b: b, uid: randomID(6), nsp: nsp,
		channel:     cfg.Prefix + "#" + nsp + "#",
		reqChannel:  cfg.Prefix + "-request#" + nsp + "#",
		respChannel: cfg.Prefix + "-response#" + nsp + "#",
		reqs:        cluster.NewRequests(),
		rooms:       make(map[string]struct{}),
		queue:       make(chan outbound, queueSize),
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	sub, err := b.subscribe(a.ctx, escapeGlob(a.channel)+"*",
		a.reqChannel, a.respChannel, a.respChannel+a.uid+"#")
	if err != nil {
		a.log.Warn("redisadapter: subscribe (retrying in the background)", "err", err)
	}
	a.sub = sub
	a.wg.Add(2)
	go a.receive()
	go a.publisher()
	return a
}

const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

// randomID returns n random characters, as Node's uid2.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idChars[int(b[i])%len(idChars)]
	}
	return string(b)
}

// escapeGlob escapes the PSUBSCRIBE pattern characters of s.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// receive dispatches the subscription's messages until Close. On Redis
// errors it retries with a backoff; go-redis reconnects and subscribes
// again.
func (a *adapter) receive() {
	defer a.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		ch, payload, err := a.sub.receive(a.ctx)
		if a.ctx.Err() != nil {
			return
		}
		if err != nil {
			a.mu.Lock()
			first := !a.failing
			a.failing = true
			a.mu.Unlock()
			if first {
				a.log.Error("redisadapter: subscription lost, retrying", "err", err)
			}
			select {
			case <-a.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		a.mu.Lock()
		recovered := a.failing
		a.failing = false
		a.mu.Unlock()
		if recovered {
			a.log.Info("redisadapter: subscription restored")
		}
		backoff = 50 * time.Millisecond
		a.dispatch(ch, payload)
	}
}

func (a *adapter) dispatch(ch string, payload []byte) {
	switch {
	case strings.HasPrefix(ch, a.channel):
		a.onBroadcast(ch, payload)
	case strings.HasPrefix(ch, a.respChannel):
		a.onResponse(payload)
	case ch == a.reqChannel:
		a.onRequest(payload)
	}
}

// OnRoomEvent tracks the local rooms, to drop messages for a room this
// server has no member of without decoding them, as Node does.
func (a *adapter) OnRoomEvent(e room.Event) {
	switch e.Kind {
	case room.CreateRoom:
		a.mu.Lock()
		a.rooms[e.Room] = struct{}{}
		a.mu.Unlock()
	case room.DeleteRoom:
		a.mu.Lock()
		delete(a.rooms, e.Room)
		a.mu.Unlock()
	}
}

func (a *adapter) hasRoom(r string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.rooms[r]
	return ok
}

func (a *adapter) onBroadcast(ch string, payload []byte) {
	if r := ch[len(a.channel):]; r != "" {
		if !strings.HasSuffix(r, "#") || !a.hasRoom(r[:len(r)-1]) {
			return
		}
	}
	var m broadcastMessage
	if err := unmarshalMsgpack(payload, &m); err != nil {
		a.log.Warn("redisadapter: malformed broadcast", "err", err)
		return
	}
	if m.UID == a.uid || m.Packet.namespace() != a.nsp {
		return
	}
	pkt, err := m.Packet.event(a.nsp)
	if err != nil {
		a.log.Warn("redisadapter: malformed broadcast", "err", err)
		return
	}
	a.local.Broadcast(pkt, m.Opts.options())
}

func (a *adapter) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// Broadcast publishes pkt for the other servers: on <prefix>#<nsp>#, or
// <prefix>#<nsp>#<room># when opts has exactly one room.
func (a *adapter) Broadcast(ctx context.Context, pkt *codec.Packet, opts bus.BroadcastOptions) error {
	opts.Rooms, opts.Except = unique(opts.Rooms), unique(opts.Except)
	buf := getBuf()
	args, err := packetArgs((*buf)[:0], pkt)
	if err != nil {
		putBuf(buf)
		return fmt.Errorf("redisadapter: broadcast: %w", err)
	}
	*buf = appendBroadcast(args[len(args):], a.uid, a.nsp, args, opts)
	channel := a.channel
	if len(opts.Rooms) == 1 {
		channel += opts.Rooms[0] + "#"
	}
	return a.publishAsync(ctx, channel, buf)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) {
	if cap(*b) <= 64<<10 {
		bufPool.Put(b)
	}
}

// BroadcastWithAck publishes a type-7 request; the remote servers answer
// with their client count and one acknowledgement per client, until ctx is
// done (or the requests timeout when ctx has no deadline).
func (a *adapter) BroadcastWithAck(ctx context.Context, pkt *codec.Packet, opts bus.BroadcastOptions, clientCount func(int), ack func(bus.Args)) error {
	opts.Rooms, opts.Except = unique(opts.Rooms), unique(opts.Except)
	args, err := packetArgs(nil, pkt)
	if err != nil {
		return fmt.Errorf("redisadapter: broadcast with ack: %w", err)
	}
	opts.Flags.Timeout = cluster.AckTimeout(ctx, opts.Flags.Timeout, a.cfg.RequestsTimeout)
	id := randomID(6)
	msg := appendBroadcastRequest(args[len(args):], a.uid, id, a.nsp, args, opts)
	if a.isClosed() || a.reqs.OpenAck(id, opts.Flags.Timeout, cluster.AckHandler{ClientCount: clientCount, Ack: ack}) != nil {
		return ErrClosed
	}
	if err := a.publish(ctx, a.reqChannel, msg); err != nil {
		a.reqs.DropAck(id)
		return err
	}
	return nil
}

// request publishes req (its RequestID is set here) and waits for want
// responses of kind. It returns what arrived, also with an error.
func (a *adapter) request(ctx context.Context, op string, kind cluster.Kind, req *request, want int) (cluster.Result, error) {
	req.UID, req.RequestID = a.uid, randomID(6)
	msg, err := marshal(req)
	if err != nil {
		return cluster.Result{}, fmt.Errorf("redisadapter: %s: %w", op, err)
	}
	if a.isClosed() {
		return cluster.Result{}, ErrClosed
	}
	q, err := a.reqs.Open(req.RequestID, kind, want)
	if err != nil {
		return cluster.Result{}, ErrClosed
	}
	defer q.Close()
	if err := a.publish(ctx, a.reqChannel, msg); err != nil {
		return cluster.Result{}, fmt.Errorf("redisadapter: %s: %w", op, err)
	}
	res, err := q.Wait(ctx, a.cfg.RequestsTimeout)
	switch {
	case err == nil:
	case errors.Is(err, cluster.ErrTimeout):
		err = fmt.Errorf("%w: %s: %d of %d responses after %v", ErrTimeout, op, res.Got, want, a.cfg.RequestsTimeout)
	case errors.Is(err, cluster.ErrClosed):
		err = fmt.Errorf("redisadapter: %s: %w", op, ErrClosed)
	default:
		err = fmt.Errorf("redisadapter: %s: %w", op, err)
	}
	return res, err
}

// others returns the number of other servers subscribed to the namespace.
func (a *adapter) others(ctx context.Context) (int, error) {
	n, err := a.ServerCount(ctx)
	return n - 1, err
}

// FetchSockets asks the other servers for their matching sockets.
func (a *adapter) FetchSockets(ctx context.Context, opts bus.BroadcastOptions) ([]bus.SocketInfo, error) {
	n, err := a.others(ctx)
	if err != nil || n <= 0 {
		return nil, err
	}
	res, err := a.request(ctx, "fetch sockets", cluster.FetchSockets, &request{Type: reqFetch, Opts: newJSONOpts(opts)}, n)
	if err != nil {
		return nil, err
	}
	return res.Sockets, nil
}

// AllRooms asks the other servers for their rooms.
func (a *adapter) AllRooms(ctx context.Context) ([]string, error) {
	n, err := a.others(ctx)
	if err != nil || n <= 0 {
		return nil, err
	}
	res, err := a.request(ctx, "all rooms", cluster.AllRooms, &request{Type: reqAllRooms}, n)
	if err != nil {
		return nil, err
	}
	return res.Rooms, nil
}

// ServerSideEmit publishes a type-6 request.
func (a *adapter) ServerSideEmit(ctx context.Context, args []any) error {
	data, err := marshal(args)
	if err != nil {
		return fmt.Errorf("redisadapter: server-side emit: %w", err)
	}
	return a.fire(ctx, &request{Type: reqServerEmit, Data: data})
}

// ServerSideEmitWithAck publishes a type-6 request with a request id and
// waits for one answer per other server (NUMSUB - 1).
func (a *adapter) ServerSideEmitWithAck(ctx context.Context, args []any) ([]bus.Args, error) {
	data, err := marshal(args)
	if err != nil {
		return nil, fmt.Errorf("redisadapter: server-side emit: %w", err)
	}
	n, err := a.others(ctx)
	if err != nil || n <= 0 {
		return nil, err
	}
	res, err := a.request(ctx, "server-side emit", cluster.ServerSideEmit, &request{Type: reqServerEmit, Data: data}, n)
	return res.Acks, err
}

// fire publishes a request that expects no response.
func (a *adapter) fire(ctx context.Context, req *request) error {
	req.UID = a.uid
	msg, err := marshal(req)
	if err != nil {
		return err
	}
	return a.publish(ctx, a.reqChannel, msg)
}

// SocketsJoin publishes a type-2 request. Node's sender applies it on its
// own echo; bus has already applied it here, so this adapter ignores its
// echo.
func (a *adapter) SocketsJoin(ctx context.Context, opts bus.BroadcastOptions, rooms []string) error {
	return a.fire(ctx, &request{Type: reqJoin, Opts: newJSONOpts(opts), Rooms: rooms})
}

// SocketsLeave publishes a type-3 request (see SocketsJoin).
func (a *adapter) SocketsLeave(ctx context.Context, opts bus.BroadcastOptions, rooms []string) error {
	return a.fire(ctx, &request{Type: reqLeave, Opts: newJSONOpts(opts), Rooms: rooms})
}

// DisconnectSockets publishes a type-4 request (see SocketsJoin).
func (a *adapter) DisconnectSockets(ctx context.Context, opts bus.BroadcastOptions, close bool) error {
	return a.fire(ctx, &request{Type: reqDisconnect, Opts: newJSONOpts(opts), Close: &close})
}

// ServerCount is PUBSUB NUMSUB of the request channel.
func (a *adapter) ServerCount(ctx context.Context) (int, error) {
	if a.isClosed() {
		return 0, ErrClosed
	}
	tctx, cancel := context.WithTimeout(ctx, a.cfg.RequestsTimeout)
	defer cancel()
	n, err := a.b.numsub(tctx, a.reqChannel)
	if err != nil {
		return 0, a.redisErr(ctx, "server count", err)
	}
	return n, nil
}

// Close publishes the broadcasts still queued (waiting up to the requests
// timeout), unsubscribes and stops the adapter's goroutines. Pending
// requests fail with ErrClosed.
func (a *adapter) Close() error {
	var err error
	a.once.Do(func() {
		a.flush()
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		a.reqs.Close()
		a.cancel()
		err = a.sub.close()
		a.wg.Wait()
		err = errors.Join(err, a.b.release())
	})
	return err
}

// ---- incoming requests and responses ----

func (a *adapter) onRequest(payload []byte) {
	req, err := decodeRequest(payload)
	if err != nil {
		a.log.Warn("redisadapter: malformed request", "err", err)
		return
	}
	if req.UID == a.uid {
		return // bus applied it locally; Node would act on its echo
	}
	switch req.Type {
	case reqAllRooms:
		a.respond(map[string]any{"requestId": req.RequestID, "rooms": cluster.NonNil(a.local.Rooms())})
	case reqJoin:
		a.local.SocketsJoin(req.Opts.options(), req.Rooms)
	case reqLeave:
		a.local.SocketsLeave(req.Opts.options(), req.Rooms)
	case reqDisconnect:
		a.local.DisconnectSockets(req.Opts.options(), req.Close != nil && *req.Close)
	case reqFetch:
		a.respondFetch(req)
	case reqServerEmit:
		a.onServerSideEmit(req)
	case reqBroadcast:
		a.onBroadcastRequest(req)
	}
}

// respond publishes a JSON response on the shared response channel.
func (a *adapter) respond(v any) {
	msg, err := marshal(v)
	if err != nil {
		a.log.Error("redisadapter: encode response", "err", err)
		return
	}
	a.respondRaw(msg)
}

func (a *adapter) respondRaw(msg []byte) {
	if err := a.publish(a.ctx, a.respChannel, msg); err != nil && !errors.Is(err, ErrClosed) {
		a.log.Error("redisadapter: respond", "err", err)
	}
}

type fetchResponse struct {
	RequestID string           `json:"requestId"`
	Sockets   []bus.SocketInfo `json:"sockets"`
}

func (a *adapter) respondFetch(req *request) {
	a.respond(fetchResponse{RequestID: req.RequestID, Sockets: cluster.NonNil(a.local.FetchSockets(req.Opts.options()))})
}

type emitResponse struct {
	Type      int             `json:"type"`
	RequestID string          `json:"requestId"`
	Data      json.RawMessage `json:"data,omitempty"`
}

func (a *adapter) onServerSideEmit(req *request) {
	name, rest, err := codec.EventName(req.Data)
	if err != nil {
		a.log.Warn("redisadapter: malformed server-side emit", "err", err)
		return
	}
	var ack func([]any)
	if req.RequestID != "" {
		var once sync.Once
		ack = func(args []any) {
			once.Do(func() {
				r := emitResponse{Type: reqServerEmit, RequestID: req.RequestID}
				if len(args) > 0 {
					// Only the first argument travels, as in Node.
					if r.Data, err = marshal(args[0]); err != nil {
						a.log.Error("redisadapter: encode server-side ack", "err", err)
						return
					}
				}
				a.respond(r)
			})
		}
	}
	a.local.ServerSideEmit(name, bus.Args{Raw: rest}, ack)
}

type countResponse struct {
	Type        int    `json:"type"`
	RequestID   string `json:"requestId"`
	ClientCount int    `json:"clientCount"`
}

func (a *adapter) onBroadcastRequest(req *request) {
	if req.Packet.namespace() != a.nsp {
		return
	}
	pkt, err := req.Packet.event(a.nsp)
	if err != nil {
		a.log.Warn("redisadapter: malformed broadcast request", "err", err)
		return
	}
	id := req.RequestID
	a.local.BroadcastWithAck(pkt, req.MpOpts.options(), func(n int) {
		a.respond(countResponse{Type: reqClientCount, RequestID: id, ClientCount: n})
	}, func(args bus.Args) {
		packet, err := firstArg(args)
		if err != nil {
			a.log.Error("redisadapter: encode acknowledgement", "err", err)
			return
		}
		a.respondRaw(appendAckResponse(nil, id, packet))
	})
}

// firstArg returns the msgpack form of args' first value (nil when there
// is none): Node's acknowledgement callbacks carry one argument.
func firstArg(args bus.Args) ([]byte, error) {
	switch {
	case args.Values != nil:
		if len(args.Values) == 0 {
			return nil, nil
		}
		data, atts, err := codec.AppendValue(nil, args.Values[0])
		if err != nil {
			return nil, err
		}
		return AppendMsgpack(nil, data, atts)
	case len(args.Raw) > 0:
		return AppendMsgpack(nil, args.Raw[0], args.Attachments)
	}
	return nil, nil
}

func (a *adapter) onResponse(payload []byte) {
	res, err := decodeResponse(payload)
	if err != nil {
		a.log.Warn("redisadapter: malformed response", "err", err)
		return
	}
	if h := a.reqs.Ack(res.RequestID); h != nil {
		switch res.Type {
		case reqClientCount:
			h.ClientCount(res.ClientCount)
		case reqBroadcastAck:
			h.Ack(ackArgs(res))
		}
		return
	}
	a.collect(res)
}

// ackArgs turns a type-9 response's packet into Args of one value.
func ackArgs(res *response) bus.Args {
	if !res.hasPacket {
		return bus.Args{Raw: []json.RawMessage{}}
	}
	data, atts, err := AppendJSON(nil, res.Packet)
	if err != nil {
		return bus.Args{Raw: []json.RawMessage{json.RawMessage("null")}}
	}
	return bus.Args{Raw: []json.RawMessage{data}, Attachments: atts}
}

// collect adds a response to its pending request, if any: the request
// keeps the sockets, rooms or acknowledgement as its kind says. Responses
// to the other servers' requests are not decoded further.
func (a *adapter) collect(res *response) {
	if !a.reqs.Waiting(res.RequestID) {
		return
	}
	r := cluster.Response{Rooms: res.Rooms, Ack: &bus.Args{Raw: []json.RawMessage{}}}
	if len(res.Data) > 0 {
		r.Ack.Raw = []json.RawMessage{res.Data}
	}
	for _, raw := range res.Sockets {
		s, err := cluster.DecodeSocket(raw)
		if err != nil {
			a.log.Warn("redisadapter: malformed socket in fetch response", "err", err)
			continue
		}
		r.Sockets = append(r.Sockets, s)
	}
	a.reqs.Collect(res.RequestID, r)
}
