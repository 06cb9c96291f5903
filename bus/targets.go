package bus

import (
	"slices"
	"sync"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/sockbus/sockbus/room"
)

// Targeting: the sockets a broadcast goes to. The room index knows ids;
// looking each one up in the socket map (a hash and a shard lock per
// recipient) used to cost more than sending. So the common selections skip
// ids: every socket of the namespace is read from the socket map's shards,
// and the members of one room come from a cache of the room resolved to
// sockets, made stale by every change of the room's membership. Other
// selections (several rooms, big except sets) go through the index.

// minCachedRoom is the smallest room whose sockets are cached: smaller ones
// (such as every socket's own room) are cheap to look up and many.
const minCachedRoom = 8

// maxExcept bounds the sockets of the except rooms handled without ids.
const maxExcept = 8

// targets calls fn for each connected local socket selected by opts (in no
// particular order) until fn returns false.
func (ns *Namespace) targets(opts BroadcastOptions, fn func(*Socket) bool) {
	var buf [maxExcept]*Socket
	if ex, ok := ns.exceptSockets(buf[:0], opts.Except); ok {
		switch len(opts.Rooms) {
		case 0:
			sp := socketsPool.Get().(*[]*Socket)
			list := ns.sockets.appendAll((*sp)[:0])
			visit(list, ex, opts.Flags.Volatile, fn)
			clear(list)
			*sp = list[:0]
			socketsPool.Put(sp)
			return
		case 1:
			if list, ok := ns.roomSockets(opts.Rooms[0]); ok {
				visit(list, ex, opts.Flags.Volatile, fn)
				return
			}
		}
	}
	ns.targetIDs(opts, fn)
}

// visit calls fn for the connected sockets of list not in ex.
func visit(list, ex []*Socket, volatile bool, fn func(*Socket) bool) {
	for _, s := range list {
		if !s.connected.Load() || volatile && !s.c.canWrite() || len(ex) > 0 && slices.Contains(ex, s) {
			continue
		}
		if !fn(s) {
			return
		}
	}
}

// exceptSockets appends the sockets of the except rooms to dst, or reports
// false when they hold more than maxExcept members.
func (ns *Namespace) exceptSockets(dst []*Socket, except []string) ([]*Socket, bool) {
	if len(except) == 0 {
		return dst, true
	}
	n := 0
	for _, r := range except {
		if n += ns.rooms.Len(r); n > maxExcept {
			return dst, false
		}
	}
	var buf [maxExcept]string
	ids := buf[:0]
	for _, r := range except {
		ids = ns.rooms.AppendMembers(ids, r)
	}
	if len(ids) > maxExcept { // joined meanwhile
		return dst, false
	}
	for _, id := range ids {
		if s := ns.sockets.get(id); s != nil {
			dst = append(dst, s)
		}
	}
	return dst, true
}

// socketsPool holds the socket slices of broadcasts to everyone.
var socketsPool = sync.Pool{New: func() any { s := make([]*Socket, 0, 256); return &s }}

// targetPool holds the id slices of broadcasts.
var targetPool = sync.Pool{New: func() any { s := make([]string, 0, 64); return &s }}

// targetIDs is targets through the room index: ids, then sockets.
func (ns *Namespace) targetIDs(opts BroadcastOptions, fn func(*Socket) bool) {
	tp := targetPool.Get().(*[]string)
	ids := ns.rooms.AppendTargets((*tp)[:0], opts.Rooms, opts.Except)
	for _, id := range ids {
		s := ns.sockets.get(id)
		if s == nil || !s.connected.Load() {
			continue
		}
		if opts.Flags.Volatile && !s.c.canWrite() {
			continue
		}
		if !fn(s) {
			break
		}
	}
	clear(ids)
	*tp = ids[:0]
	targetPool.Put(tp)
}

// roomCache holds rooms resolved to sockets, for rooms of at least
// minCachedRoom members that broadcasts went to: the maxCachedRooms most
// recently used, so memory stays bounded however many rooms there are.
type roomCache struct {
	size int // 0 means maxCachedRooms (tests set a small size)
	once sync.Once
	lru  *lru.Cache[string, *cachedRoom]
}

// maxCachedRooms bounds the room cache of a namespace.
const maxCachedRooms = 4096

func (rc *roomCache) cache() *lru.Cache[string, *cachedRoom] {
	rc.once.Do(func() {
		size := rc.size
		if size <= 0 {
			size = maxCachedRooms
		}
		rc.lru, _ = lru.New[string, *cachedRoom](size) // only fails for a size <= 0
	})
	return rc.lru
}

// cachedRoom is one room of the cache. gen counts the changes of the room's
// membership; sockets is valid while its gen is the room's.
type cachedRoom struct {
	gen     atomic.Uint64
	sockets atomic.Pointer[resolvedRoom]
}

// resolvedRoom is a room's sockets when the room was at generation gen.
// The slice is shared by concurrent broadcasts: read-only.
type resolvedRoom struct {
	gen     uint64
	sockets []*Socket
}

// entry returns the cache entry of room, creating it. An entry evicted
// and created again starts stale, so it is resolved afresh.
func (rc *roomCache) entry(name string) *cachedRoom {
	c := rc.cache()
	if cr, ok := c.Get(name); ok {
		return cr
	}
	fresh := &cachedRoom{}
	if prev, ok, _ := c.PeekOrAdd(name, fresh); ok {
		return prev
	}
	return fresh
}

// changed makes the entry of a room whose membership changed stale, and
// forgets a deleted room. It runs after the index changed, so a stale
// entry is never taken for fresh: a rebuild reads the generation before
// the index.
func (rc *roomCache) changed(e room.Event) {
	c := rc.cache()
	cr, ok := c.Peek(e.Room)
	if !ok {
		return
	}
	cr.gen.Add(1)
	cr.sockets.Store(nil)
	if e.Kind == room.DeleteRoom {
		c.Remove(e.Room)
	}
}

// touch makes the entry of each room stale (a socket that joined them
// before it was connected is now in the socket map).
func (rc *roomCache) touch(rooms []string) {
	for _, r := range rooms {
		rc.changed(room.Event{Kind: room.JoinRoom, Room: r})
	}
}

// roomSockets returns the sockets of a cached room (resolving it when
// stale), or false for a room too small to cache.
func (ns *Namespace) roomSockets(name string) ([]*Socket, bool) {
	if ns.rooms.Len(name) < minCachedRoom {
		return nil, false
	}
	cr := ns.cache.entry(name)
	gen := cr.gen.Load()
	if r := cr.sockets.Load(); r != nil && r.gen == gen {
		return r.sockets, true
	}
	tp := targetPool.Get().(*[]string)
	ids := ns.rooms.AppendMembers((*tp)[:0], name)
	list := make([]*Socket, 0, len(ids))
	for _, id := range ids {
		if s := ns.sockets.get(id); s != nil {
			list = append(list, s)
		}
	}
	clear(ids)
	*tp = ids[:0]
	targetPool.Put(tp)
	cr.sockets.Store(&resolvedRoom{gen: gen, sockets: list})
	return list, true
}
