package redisemitter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/sockbus/sockbus/bus/redisadapter"
	"github.com/sockbus/sockbus/codec"
)

// Config configures an Emitter. The zero value is valid: a Redis at
// localhost:6379, prefix "socket.io".
type Config struct {
	// Client publishes the messages; the Emitter does not close it.
	// Defaults to a client for Addr, closed by Emitter.Close.
	Client redis.UniversalClient
	// Addr is the Redis address used when Client is nil. Defaults to
	// "localhost:6379".
	Addr string
	// Prefix is the channel prefix (Node's `key`). Defaults to "socket.io".
	Prefix string
}

// ErrReserved is returned when emitting a reserved event name (connect,
// disconnect, …).
var ErrReserved = errors.New("redisemitter: reserved event name")

// uid is the uid Node's emitter writes.
const uid = "emitter"

// Request types of the Redis adapter.
const (
	reqJoin       = 2
	reqLeave      = 3
	reqDisconnect = 4
	reqServerEmit = 6
)

// publishFunc publishes msg on channel.
type publishFunc func(ctx context.Context, channel string, msg []byte) error

// Emitter publishes to the servers of one namespace, optionally limited to
// rooms. Build it with New; its methods return modified copies.
type Emitter struct {
	pub    publishFunc
	close  func() error
	prefix string
	nsp    string
	rooms  []string
	except []string
	flags  flags
}

// New returns an Emitter for the main namespace "/".
func New(cfg Config) Emitter {
	if cfg.Prefix == "" {
		cfg.Prefix = "socket.io"
	}
	c, closeFn := cfg.Client, func() error { return nil }
	if c == nil {
		if cfg.Addr == "" {
			cfg.Addr = "localhost:6379"
		}
		rc := redis.NewClient(&redis.Options{Addr: cfg.Addr})
		c, closeFn = rc, rc.Close
	}
	pub := func(ctx context.Context, channel string, msg []byte) error {
		return c.Publish(ctx, channel, msg).Err()
	}
	return Emitter{pub: pub, close: closeFn, prefix: cfg.Prefix, nsp: "/"}
}

// Close closes the Redis client New created (not Config.Client). Every
// copy of the Emitter shares it.
func (e Emitter) Close() error { return e.close() }

// Of returns an Emitter for namespace nsp ("/admin"; a missing leading
// slash is added), without rooms or flags.
func (e Emitter) Of(nsp string) Emitter {
	if nsp == "" || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	return Emitter{pub: e.pub, close: e.close, prefix: e.prefix, nsp: nsp}
}

// To returns e also targeting rooms (a union).
func (e Emitter) To(rooms ...string) Emitter {
	e.rooms = union(e.rooms, rooms)
	return e
}

// In is To.
func (e Emitter) In(rooms ...string) Emitter { return e.To(rooms...) }

// Except returns e excluding the sockets in rooms.
func (e Emitter) Except(rooms ...string) Emitter {
	e.except = union(e.except, rooms)
	return e
}

// Volatile returns e with the volatile flag.
func (e Emitter) Volatile() Emitter {
	e.flags.Volatile = true
	return e
}

// Compress returns e with the compress flag set to on.
func (e Emitter) Compress(on bool) Emitter {
	e.flags.Compress = &on
	return e
}

// union returns a new slice of a then the elements of b not yet in it.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

type flags struct {
	Volatile bool  `msgpack:"volatile,omitempty"`
	Compress *bool `msgpack:"compress,omitempty"`
}

type packet struct {
	Type int                `msgpack:"type"`
	Data msgpack.RawMessage `msgpack:"data"`
	Nsp  string             `msgpack:"nsp"`
}

// opts are in the emitter's key order: rooms, flags, except.
type opts struct {
	Rooms  []string `msgpack:"rooms"`
	Flags  flags    `msgpack:"flags"`
	Except []string `msgpack:"except"`
}

// Emit broadcasts the event ev with args to the selected sockets. Args are
// converted as bus converts them (JSON rules, []byte as binary, which Node
// receives as Buffers).
func (e Emitter) Emit(ctx context.Context, ev string, args ...any) error {
	if codec.IsReserved(ev) {
		return fmt.Errorf("redisemitter: emit %q: %w", ev, ErrReserved)
	}
	msg, err := e.message(ev, args)
	if err != nil {
		return fmt.Errorf("redisemitter: emit %q: %w", ev, err)
	}
	channel := e.prefix + "#" + e.nsp + "#"
	if len(e.rooms) == 1 {
		channel += e.rooms[0] + "#"
	}
	return e.publish(ctx, "emit "+ev, channel, msg)
}

func (e Emitter) message(ev string, args []any) ([]byte, error) {
	data, atts, err := codec.AppendArgs(nil, append([]any{ev}, args...))
	if err != nil {
		return nil, err
	}
	mp, err := redisadapter.AppendMsgpack(nil, data, atts)
	if err != nil {
		return nil, err
	}
	return msgpack.Marshal([]any{uid,
		packet{Type: int(codec.Event), Data: mp, Nsp: e.nsp},
		opts{Rooms: nonNil(e.rooms), Flags: e.flags, Except: nonNil(e.except)}})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (e Emitter) publish(ctx context.Context, op, channel string, msg []byte) error {
	if err := e.pub(ctx, channel, msg); err != nil {
		return fmt.Errorf("redisemitter: %s: %w", op, err)
	}
	return nil
}

type jsonOpts struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
}

// request is a JSON request in Node's key order; the emitter sends no uid
// except for server-side emits.
type request struct {
	UID   string          `json:"uid,omitempty"`
	Type  int             `json:"type"`
	Opts  *jsonOpts       `json:"opts,omitempty"`
	Rooms []string        `json:"rooms,omitempty"`
	Close *bool           `json:"close,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

func (e Emitter) request(ctx context.Context, op string, r request) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("redisemitter: %s: %w", op, err)
	}
	return e.publish(ctx, op, e.prefix+"-request#"+e.nsp+"#", bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func (e Emitter) jsonOpts() *jsonOpts {
	return &jsonOpts{Rooms: nonNil(e.rooms), Except: nonNil(e.except)}
}

// SocketsJoin makes the selected sockets join rooms.
func (e Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.request(ctx, "sockets join", request{Type: reqJoin, Opts: e.jsonOpts(), Rooms: nonNil(rooms)})
}

// SocketsLeave makes the selected sockets leave rooms.
func (e Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.request(ctx, "sockets leave", request{Type: reqLeave, Opts: e.jsonOpts(), Rooms: nonNil(rooms)})
}

// DisconnectSockets disconnects the selected sockets; close also closes
// their connections.
func (e Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.request(ctx, "disconnect sockets", request{Type: reqDisconnect, Opts: e.jsonOpts(), Close: &close})
}

// ServerSideEmit sends ev with args to the OnServerSideEmit handlers of
// every server of the namespace (JSON: []byte becomes base64).
func (e Emitter) ServerSideEmit(ctx context.Context, ev string, args ...any) error {
	if codec.IsReserved(ev) {
		return fmt.Errorf("redisemitter: server-side emit %q: %w", ev, ErrReserved)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(append([]any{ev}, args...)); err != nil {
		return fmt.Errorf("redisemitter: server-side emit %q: %w", ev, err)
	}
	return e.request(ctx, "server-side emit "+ev, request{UID: uid, Type: reqServerEmit, Data: bytes.TrimSuffix(b.Bytes(), []byte("\n"))})
}
