package room

import (
	"slices"
	"sync"
)

// smallSet is the size up to which an id set is searched linearly instead
// of through a map.
const smallSet = 8

// setPool holds cleared maps used as id sets by AppendTargets.
var setPool = sync.Pool{New: func() any {
	m := make(map[string]struct{})
	return &m
}}

func getSet() *map[string]struct{} { return setPool.Get().(*map[string]struct{}) }

func putSet(m *map[string]struct{}) {
	clear(*m)
	setPool.Put(m)
}

// AppendTargets appends to dst, once each, every id that is in at least one of
// rooms (or every id in the index when rooms is empty) and in none of except.
// With dst of sufficient capacity it allocates nothing for a single room and
// no except.
//
// Each room is copied under its shard's read lock, so the result is a
// snapshot of each room, taken one room after another. The order of the
// appended ids is unspecified.
func (x *Index) AppendTargets(dst []string, rooms, except []string) []string {
	if len(rooms) == 0 {
		return x.appendAll(dst, except)
	}
	start := len(dst)
	if len(rooms) == 1 {
		dst = x.AppendMembers(dst, rooms[0])
	} else {
		dst = x.appendUnion(dst, rooms)
	}
	if len(except) > 0 && len(dst) > start {
		dst = x.exclude(dst, start, except)
	}
	return dst
}

// appendAll appends every id in the index that is in none of except. The
// except check reads the id's own room set, under the id shard's lock.
func (x *Index) appendAll(dst, except []string) []string {
	for i := range x.ids {
		is := &x.ids[i]
		is.mu.RLock()
	ids:
		for id, set := range is.m {
			for _, room := range except {
				if _, ok := set[room]; ok {
					continue ids
				}
			}
			dst = append(dst, id)
		}
		is.mu.RUnlock()
	}
	return dst
}

// appendUnion appends the members of rooms (at least two), each id once.
// Rooms are copied whole under their lock, then duplicates are dropped in
// place without any lock held. An id is unique within one room, so the ids
// of the last room are only looked up, never inserted, in the seen set (a
// room named twice is then still right: its second copy is all seen).
func (x *Index) appendUnion(dst []string, rooms []string) []string {
	start := len(dst)
	ends := make([]int, 0, 8)
	for _, room := range rooms {
		dst = x.AppendMembers(dst, room)
		ends = append(ends, len(dst))
	}
	if ends[len(ends)-2] == start {
		return dst // at most the last room has members: nothing to dedup
	}
	seen := getSet()
	defer putSet(seen)
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

// exclude drops from dst[start:], in place, every id that is a member of one
// of the except rooms.
func (x *Index) exclude(dst []string, start int, except []string) []string {
	// Snapshot the except rooms into scratch space past len(dst), so a
	// small except set costs no allocation when dst has room to spare.
	end := len(dst)
	all := dst
	for _, room := range except {
		all = x.AppendMembers(all, room)
	}
	ex := all[end:]
	if len(ex) == 0 {
		return dst
	}
	var keep func(string) bool
	if len(ex) <= smallSet {
		keep = func(id string) bool { return !slices.Contains(ex, id) }
	} else {
		set := getSet()
		defer putSet(set)
		for _, id := range ex {
			(*set)[id] = struct{}{}
		}
		keep = func(id string) bool { _, ok := (*set)[id]; return !ok }
	}
	w := start
	for _, id := range all[start:end] {
		if keep(id) {
			all[w] = id
			w++
		}
	}
	clear(all[w:])
	return all[:w]
}
