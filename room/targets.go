package room

import (
	"hash/maphash"
	"sync"
)

// Scratch space reused by AppendTargets: id sets and except snapshots.
var (
	setPool = sync.Pool{New: func() any {
		m := make(map[string]struct{})
		return &m
	}}
	slicePool = sync.Pool{New: func() any {
		s := make([]string, 0, maxPosExcept)
		return &s
	}}
)

func getSet() *map[string]struct{} { return setPool.Get().(*map[string]struct{}) }

func putSet(m *map[string]struct{}) {
	clear(*m)
	setPool.Put(m)
}

// AppendTargets appends to dst, once each, every id that is in at least one of
// rooms (or every id in the index when rooms is empty) and in none of except.
// With dst of sufficient capacity it allocates nothing for a single room and
// no except; the other forms use pooled scratch space and, in steady state,
// allocate nothing either. "Every id" means every id in at least one room.
//
// Each room is copied under its shard's read lock, so the result is a
// snapshot of each room, taken one room after another. The order of the
// appended ids is unspecified.
func (x *Index) AppendTargets(dst []string, rooms, except []string) []string {
	if len(except) == 0 {
		switch len(rooms) {
		case 0:
			return x.appendAll(dst, nil)
		case 1:
			return x.AppendMembers(dst, rooms[0])
		}
		return x.appendUnion(dst, rooms, nil)
	}
	exp := slicePool.Get().(*[]string)
	defer func() {
		clear(*exp)
		*exp = (*exp)[:0]
		slicePool.Put(exp)
	}()
	ex := *exp
	for _, room := range except {
		ex = x.AppendMembers(ex, room)
	}
	*exp = ex
	if len(rooms) > 1 || len(ex) > maxPosExcept {
		// One pass through a set of seen ids handles except as well.
		return x.appendUnion(dst, rooms, ex)
	}
	if len(rooms) == 0 {
		return x.appendAll(dst, ex)
	}
	rs := x.roomShard(rooms[0])
	rs.mu.RLock()
	if m := rs.m[rooms[0]]; m != nil {
		dst = m.appendMinus(dst, ex)
	}
	rs.mu.RUnlock()
	return dst
}

// appendAll appends every id in the index except the (at most maxPosExcept)
// ids in ex.
func (x *Index) appendAll(dst, ex []string) []string {
	// Each except id is looked up only in its own shard.
	var shardOf [maxPosExcept]uint64
	for j, id := range ex {
		shardOf[j] = maphash.String(x.seed, id) & x.mask
	}
	var buf [maxPosExcept]string
	for i := range x.ids {
		mine := buf[:0]
		for j, id := range ex {
			if shardOf[j] == uint64(i) {
				mine = append(mine, id)
			}
		}
		is := &x.ids[i]
		is.mu.RLock()
		dst = is.all.appendMinus(dst, mine)
		is.mu.RUnlock()
	}
	return dst
}

// appendUnion appends the members of rooms (every id when rooms is empty),
// each id once, leaving out the ids in ex. Rooms are copied whole under
// their lock, then duplicates and except ids are dropped in place with no
// lock held. An id is unique within one room, so the ids of the last room
// are only looked up, never inserted, in the seen set (a room named twice
// is then still right: its second copy is all seen).
func (x *Index) appendUnion(dst []string, rooms, ex []string) []string {
	start := len(dst)
	var buf [8]int
	ends := buf[:0]
	if len(rooms) == 0 {
		dst = x.appendAll(dst, nil)
		ends = append(ends, len(dst))
	}
	for _, room := range rooms {
		dst = x.AppendMembers(dst, room)
		ends = append(ends, len(dst))
	}
	if len(ex) == 0 && (len(ends) < 2 || ends[len(ends)-2] == start) {
		return dst // at most the last room has members: nothing to drop
	}
	seen := getSet()
	defer putSet(seen)
	for _, id := range ex {
		(*seen)[id] = struct{}{}
	}
	w, r := start, start
	for k, end := range ends {
		last := k == len(ends)-1
		for ; r < end; r++ {
			id := dst[r]
			if _, dup := (*seen)[id]; dup {
				continue
			}
			if !last {
				(*seen)[id] = struct{}{}
			}
			dst[w] = id
			w++
		}
	}
	clear(dst[w:])
	return dst[:w]
}
