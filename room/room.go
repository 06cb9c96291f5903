package room

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"sync"
)

// EventKind says what changed in the index.
type EventKind uint8

// Event kinds, mirroring socket.io-adapter's events.
const (
	CreateRoom EventKind = iota + 1 // a room got its first member
	DeleteRoom                      // a room lost its last member
	JoinRoom                        // a member joined a room
	LeaveRoom                       // a member left a room
)

// String returns socket.io-adapter's name for k ("create-room", …).
func (k EventKind) String() string {
	switch k {
	case CreateRoom:
		return "create-room"
	case DeleteRoom:
		return "delete-room"
	case JoinRoom:
		return "join-room"
	case LeaveRoom:
		return "leave-room"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one change, reported through Config.OnEvent. For a join to a new
// room, CreateRoom is reported before JoinRoom; for the last leave, LeaveRoom
// before DeleteRoom.
type Event struct {
	Kind EventKind
	Room string
	ID   string // the member; empty for CreateRoom and DeleteRoom
}

// Config configures an Index. The zero value is valid.
type Config struct {
	// Shards is the number of lock shards for each map, rounded up to a power
	// of two. Defaults to 64 (when zero or negative); at most 1<<16.
	Shards int
	// OnEvent, if set, is called after each change, outside every lock, on the
	// goroutine that made the change. Events of one call are delivered in
	// order; events of concurrent calls on different goroutines may
	// interleave.
	OnEvent func(Event)
}

const (
	defaultShards = 64
	maxShards     = 1 << 16
)

// Index maps rooms to member ids and ids to rooms. Create it with New; all
// methods are safe for concurrent use.
type Index struct {
	seed    maphash.Seed
	mask    uint64
	rooms   []roomShard
	ids     []idShard
	onEvent func(Event)
}

// roomShard holds the members of the rooms that hash to it.
type roomShard struct {
	mu sync.RWMutex
	m  map[string]*dense // room -> members, never empty
	_  [64]byte          // keep shards' locks on separate cache lines
}

// idShard holds the rooms of the ids that hash to it, and those ids as a
// dense list for fast "every id" snapshots.
type idShard struct {
	mu  sync.RWMutex
	m   map[string]map[string]struct{} // id -> rooms, never empty
	all dense                          // the keys of m
	_   [64]byte
}

// New returns an empty Index.
func New(cfg Config) *Index {
	n := cfg.Shards
	switch {
	case n <= 0:
		n = defaultShards
	case n > maxShards:
		n = maxShards
	}
	n = 1 << bits.Len(uint(n-1)) // round up to a power of two
	x := &Index{
		seed:    maphash.MakeSeed(),
		mask:    uint64(n - 1),
		rooms:   make([]roomShard, n),
		ids:     make([]idShard, n),
		onEvent: cfg.OnEvent,
	}
	for i := range x.rooms {
		x.rooms[i].m = make(map[string]*dense)
		x.ids[i].m = make(map[string]map[string]struct{})
	}
	return x
}

func (x *Index) roomShard(room string) *roomShard {
	return &x.rooms[maphash.String(x.seed, room)&x.mask]
}

func (x *Index) idShard(id string) *idShard {
	return &x.ids[maphash.String(x.seed, id)&x.mask]
}

// recorder collects the changes of one call, to deliver after unlocking.
// A nil recorder (no OnEvent) records nothing.
type recorder = *[]Event

func (x *Index) recorder(evs *[]Event) recorder {
	if x.onEvent == nil {
		return nil
	}
	return evs
}

func record(r recorder, k EventKind, room, id string) {
	if r != nil {
		*r = append(*r, Event{Kind: k, Room: room, ID: id})
	}
}

func (x *Index) deliver(evs []Event) {
	for _, ev := range evs {
		x.onEvent(ev)
	}
}

// Join adds id to each room (a no-op for rooms it is already in).
func (x *Index) Join(id string, rooms ...string) {
	if len(rooms) == 0 {
		return
	}
	var evs []Event
	rec := x.recorder(&evs)
	is := x.idShard(id)
	is.mu.Lock()
	set := is.m[id]
	if set == nil {
		set = make(map[string]struct{}, len(rooms))
		is.m[id] = set
		is.all.add(id)
	}
	for _, room := range rooms {
		if _, ok := set[room]; ok {
			continue
		}
		set[room] = struct{}{}
		x.addMember(room, id, rec)
	}
	is.mu.Unlock()
	x.deliver(evs)
}

// addMember adds id to room's member list; the caller holds id's shard.
func (x *Index) addMember(room, id string, rec recorder) {
	rs := x.roomShard(room)
	rs.mu.Lock()
	m := rs.m[room]
	if m == nil {
		m = &dense{}
		rs.m[room] = m
		record(rec, CreateRoom, room, "")
	}
	m.add(id)
	rs.mu.Unlock()
	record(rec, JoinRoom, room, id)
}

// removeMember removes id from room's member list; the caller holds id's
// shard and knows id is a member.
func (x *Index) removeMember(room, id string, rec recorder) {
	rs := x.roomShard(room)
	rs.mu.Lock()
	m := rs.m[room]
	m.remove(id)
	deleted := len(m.list) == 0
	if deleted {
		delete(rs.m, room)
	}
	rs.mu.Unlock()
	record(rec, LeaveRoom, room, id)
	if deleted {
		record(rec, DeleteRoom, room, "")
	}
}

// Leave removes id from each room.
func (x *Index) Leave(id string, rooms ...string) {
	var evs []Event
	rec := x.recorder(&evs)
	is := x.idShard(id)
	is.mu.Lock()
	set := is.m[id]
	for _, room := range rooms {
		if _, ok := set[room]; !ok {
			continue
		}
		delete(set, room)
		x.removeMember(room, id, rec)
	}
	if set != nil && len(set) == 0 {
		delete(is.m, id)
		is.all.remove(id)
	}
	is.mu.Unlock()
	x.deliver(evs)
}

// LeaveAll removes id from every room and returns the rooms it left
// (unordered; nil if none).
func (x *Index) LeaveAll(id string) []string {
	var evs []Event
	rec := x.recorder(&evs)
	is := x.idShard(id)
	is.mu.Lock()
	set := is.m[id]
	if set != nil {
		delete(is.m, id)
		is.all.remove(id)
	}
	var left []string
	if len(set) > 0 {
		left = make([]string, 0, len(set))
	}
	for room := range set {
		left = append(left, room)
		x.removeMember(room, id, rec)
	}
	is.mu.Unlock()
	x.deliver(evs)
	return left
}

// Rooms returns the rooms id is in (unordered; nil if none).
func (x *Index) Rooms(id string) []string {
	is := x.idShard(id)
	is.mu.RLock()
	defer is.mu.RUnlock()
	set := is.m[id]
	if len(set) == 0 {
		return nil
	}
	rooms := make([]string, 0, len(set))
	for room := range set {
		rooms = append(rooms, room)
	}
	return rooms
}

// Has reports whether id is in room.
func (x *Index) Has(room, id string) bool {
	rs := x.roomShard(room)
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	m := rs.m[room]
	return m != nil && m.has(id)
}

// Len returns the number of members of room.
func (x *Index) Len(room string) int {
	rs := x.roomShard(room)
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	if m := rs.m[room]; m != nil {
		return len(m.list)
	}
	return 0
}

// AllRooms appends every room name with at least one member to dst
// (unordered).
func (x *Index) AllRooms(dst []string) []string {
	for i := range x.rooms {
		rs := &x.rooms[i]
		rs.mu.RLock()
		for room := range rs.m {
			dst = append(dst, room)
		}
		rs.mu.RUnlock()
	}
	return dst
}

// AppendMembers appends the members of room to dst (a snapshot, unordered).
func (x *Index) AppendMembers(dst []string, room string) []string {
	rs := x.roomShard(room)
	rs.mu.RLock()
	if m := rs.m[room]; m != nil {
		dst = append(dst, m.list...)
	}
	rs.mu.RUnlock()
	return dst
}
