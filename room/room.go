// Package room is a lock-sharded index between rooms and member ids, the data
// structure behind Socket.IO rooms: room → members and member → rooms, with
// broadcast target sets computed as the union of rooms minus except rooms.
//
// Ids and room names are plain strings; the index knows nothing of sockets.
// All methods are safe for concurrent use. No lock is held while an
// OnEvent callback runs. Lock order is id shard, then room shard.
package room

// EventKind says what changed in the index.
type EventKind uint8

// Event kinds, mirroring socket.io-adapter's events.
const (
	CreateRoom EventKind = iota + 1 // a room got its first member
	DeleteRoom                      // a room lost its last member
	JoinRoom                        // a member joined a room
	LeaveRoom                       // a member left a room
)

func (k EventKind) String() string { panic("unimplemented") }

// Event is one change, reported through Config.OnEvent. For a join to a new
// room, CreateRoom is reported before JoinRoom; for the last leave, LeaveRoom
// before DeleteRoom.
type Event struct {
	Kind EventKind
	Room string
	ID   string
}

// Config configures an Index. The zero value is valid.
type Config struct {
	// Shards is the number of lock shards for each map, rounded up to a power
	// of two. Defaults to 64.
	Shards int
	// OnEvent, if set, is called after each change, outside every lock, on the
	// goroutine that made the change.
	OnEvent func(Event)
}

// Index maps rooms to member ids and ids to rooms.
type Index struct{}

// New returns an empty Index.
func New(cfg Config) *Index { panic("unimplemented") }

// Join adds id to each room (a no-op for rooms it is already in).
func (x *Index) Join(id string, rooms ...string) { panic("unimplemented") }

// Leave removes id from each room.
func (x *Index) Leave(id string, rooms ...string) { panic("unimplemented") }

// LeaveAll removes id from every room and returns the rooms it left.
func (x *Index) LeaveAll(id string) []string { panic("unimplemented") }

// Rooms returns the rooms id is in (unordered; nil if none).
func (x *Index) Rooms(id string) []string { panic("unimplemented") }

// Has reports whether id is in room.
func (x *Index) Has(room, id string) bool { panic("unimplemented") }

// Len returns the number of members of room.
func (x *Index) Len(room string) int { panic("unimplemented") }

// AllRooms appends every room name with at least one member to dst.
func (x *Index) AllRooms(dst []string) []string { panic("unimplemented") }

// AppendMembers appends the members of room to dst (a snapshot).
func (x *Index) AppendMembers(dst []string, room string) []string { panic("unimplemented") }

// AppendTargets appends to dst, once each, every id that is in at least one of
// rooms (or every id in the index when rooms is empty) and in none of except.
// With dst of sufficient capacity it allocates nothing for a single room and
// no except.
func (x *Index) AppendTargets(dst []string, rooms, except []string) []string {
	panic("unimplemented")
}
