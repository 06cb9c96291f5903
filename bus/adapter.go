package bus

import (
	"context"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/room"
)

// Args are the arguments of an event or an acknowledgement, decoded on
// demand (see codec.Args).
type Args = codec.Args

// BroadcastFlags mirror the flags of socket.io-adapter's BroadcastOptions.
type BroadcastFlags struct {
	// Local limits the operation to this server.
	Local bool `json:"local,omitempty"`
	// Volatile allows the packet to be dropped for recipients that cannot
	// take it right now.
	Volatile bool `json:"volatile,omitempty"`
	// Compress, when non-nil, is the requested compression (Broadcast.Compress).
	// It is informational: local delivery compresses per the transport's
	// configuration.
	Compress *bool `json:"compress,omitempty"`
	// Timeout, for acknowledged broadcasts, is how long the sender waits
	// (its ctx deadline; zero when it has none). On the Node wire it is in
	// milliseconds.
	Timeout time.Duration `json:"-"`
}

// BroadcastOptions select the sockets of a namespace, as socket.io-adapter's
// BroadcastOptions {rooms, except, flags}: sockets in at least one of Rooms
// (every socket when Rooms is empty) and in none of Except.
//
// An Adapter must treat the slices as read-only; they may be shared.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
	Flags  BroadcastFlags
}

// SocketInfo describes a socket for FetchSockets, local or remote. It
// marshals to the JSON shape Node's adapters exchange:
// {"id","handshake":{…},"rooms":[…],"data":…}.
type SocketInfo struct {
	ID        string    `json:"id"`
	Handshake Handshake `json:"handshake"`
	Rooms     []string  `json:"rooms"`
	// Data is the socket's data (Socket.Data): the Go value for local
	// sockets (shared, read-only) and for remote ones whatever the adapter
	// decoded (a json.RawMessage, a map, …).
	Data any `json:"data"`
}

// Adapter is the cluster seam of a namespace, mirroring socket.io-adapter's
// semantic operations so that wire-compatible adapters (Node's Redis
// adapter, NATS, …) fit without changes to bus. Local delivery is always
// bus's job: an Adapter delivers to remote servers (or receives from them)
// and calls back into the Local it was created with.
//
// bus calls the methods concurrently, from user goroutines; an Adapter must
// be safe for concurrent use. Packets, options and args handed to an Adapter
// are shared and read-only. For every operation except Close, bus has
// already applied the local part (unless stated otherwise) and calls the
// Adapter only when Flags.Local is false.
type Adapter interface {
	// Broadcast sends pkt (an EVENT with Values or Data set, see
	// codec.Packet) to the matching sockets of the other servers.
	Broadcast(ctx context.Context, pkt *codec.Packet, opts BroadcastOptions) error
	// BroadcastWithAck is Broadcast asking every remote recipient for an
	// acknowledgement. It calls clientCount once per remote server that
	// received the packet, with the number of its recipients, and ack once
	// per acknowledgement, until ctx is done. Both may be called from any
	// goroutine, concurrently, after BroadcastWithAck returns.
	BroadcastWithAck(ctx context.Context, pkt *codec.Packet, opts BroadcastOptions,
		clientCount func(n int), ack func(Args)) error
	// SocketsJoin makes the matching sockets of the other servers join rooms.
	SocketsJoin(ctx context.Context, opts BroadcastOptions, rooms []string) error
	// SocketsLeave makes the matching sockets of the other servers leave rooms.
	SocketsLeave(ctx context.Context, opts BroadcastOptions, rooms []string) error
	// DisconnectSockets disconnects the matching sockets of the other servers.
	DisconnectSockets(ctx context.Context, opts BroadcastOptions, close bool) error
	// FetchSockets returns the matching sockets of the other servers.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketInfo, error)
	// ServerSideEmit sends args (the event name first) to the other servers.
	ServerSideEmit(ctx context.Context, args []any) error
	// ServerSideEmitWithAck is ServerSideEmit waiting for one
	// acknowledgement per other server, until all answered or ctx is done;
	// it returns what arrived (and the ctx error when not complete).
	ServerSideEmitWithAck(ctx context.Context, args []any) ([]Args, error)
	// ServerCount returns the number of servers in the cluster, this one
	// included.
	ServerCount(ctx context.Context) (int, error)
	// AllRooms returns the rooms of the other servers (bus adds its own).
	AllRooms(ctx context.Context) ([]string, error)
	// Close releases the adapter; bus calls it once, at server shutdown.
	Close() error
}

// RoomObserver is an optional ability of an Adapter: bus reports every
// change of the namespace's local room index to it (create-room,
// delete-room, join-room, leave-room), on the goroutine that made the
// change, outside bus's locks. The call must not block.
type RoomObserver interface {
	OnRoomEvent(room.Event)
}

// AdapterFactory creates the Adapter of one namespace. It is called once per
// namespace, when the namespace is created; the Adapter keeps local to call
// back.
type AdapterFactory func(local Local) (Adapter, error)

// Local is bus's side of the adapter seam: what an Adapter calls when a
// request from another server arrives. Its methods act on this server only,
// are safe for concurrent use and do not block on the network.
type Local interface {
	// Namespace returns the namespace name ("/", "/admin", …).
	Namespace() string
	// Broadcast delivers pkt to the matching local sockets. pkt carries
	// either Values (in-process form) or Data and Attachments (wire form);
	// bus encodes it once if needed. pkt must not be modified afterwards.
	Broadcast(pkt *codec.Packet, opts BroadcastOptions)
	// BroadcastWithAck is Broadcast asking each local recipient for an
	// acknowledgement: it calls clientCount(n) once, synchronously, with the
	// number of recipients, then ack for each acknowledgement as it arrives
	// (until opts.Flags.Timeout, or 5 s when zero).
	BroadcastWithAck(pkt *codec.Packet, opts BroadcastOptions, clientCount func(n int), ack func(Args))
	// SocketsJoin makes the matching local sockets join rooms.
	SocketsJoin(opts BroadcastOptions, rooms []string)
	// SocketsLeave makes the matching local sockets leave rooms.
	SocketsLeave(opts BroadcastOptions, rooms []string)
	// DisconnectSockets disconnects the matching local sockets.
	DisconnectSockets(opts BroadcastOptions, close bool)
	// FetchSockets describes the matching local sockets.
	FetchSockets(opts BroadcastOptions) []SocketInfo
	// ServerSideEmit dispatches an event from another server to the
	// namespace's OnServerSideEmit handlers. ack is nil when the sender
	// asked for no acknowledgement; otherwise the first handler that calls
	// Event.Ack answers through it (at most once).
	ServerSideEmit(event string, args Args, ack func(args []any))
	// Rooms returns the rooms with at least one local member.
	Rooms() []string
}
