package room

import (
	"fmt"
	"slices"
)

// ShardCount returns the number of shards of each kind.
func (x *Index) ShardCount() int { return len(x.rooms) }

// Check verifies that both directions of the index agree, that every room's
// member list and position map agree, and that no empty room or id set is
// kept. It must run while no other goroutine changes x.
func (x *Index) Check() error {
	byID := map[string][]string{}
	for i := range x.rooms {
		rs := &x.rooms[i]
		for room, m := range rs.m {
			if x.roomShard(room) != rs {
				return fmt.Errorf("room %q in the wrong shard", room)
			}
			if len(m.list) == 0 {
				return fmt.Errorf("empty room %q kept", room)
			}
			if len(m.pos) != len(m.list) {
				return fmt.Errorf("room %q: %d positions, %d members", room, len(m.pos), len(m.list))
			}
			for j, id := range m.list {
				if m.pos[id] != j {
					return fmt.Errorf("room %q: pos[%q] = %d, want %d", room, id, m.pos[id], j)
				}
				byID[id] = append(byID[id], room)
			}
		}
	}
	n := 0
	for i := range x.ids {
		is := &x.ids[i]
		for id, set := range is.m {
			n++
			if x.idShard(id) != is {
				return fmt.Errorf("id %q in the wrong shard", id)
			}
			if len(set) == 0 {
				return fmt.Errorf("empty id set %q kept", id)
			}
			if !is.all.has(id) || is.all.list[is.all.pos[id]] != id {
				return fmt.Errorf("id %q missing from its shard's dense list", id)
			}
			want := byID[id]
			if len(want) != len(set) {
				return fmt.Errorf("id %q: rooms %v by id, %v by room", id, set, want)
			}
			for _, room := range want {
				if _, ok := set[room]; !ok {
					return fmt.Errorf("id %q: room %q missing from id side", id, room)
				}
			}
		}
	}
	all := 0
	for i := range x.ids {
		all += len(x.ids[i].all.list)
		if len(x.ids[i].all.pos) != len(x.ids[i].all.list) {
			return fmt.Errorf("id shard %d: dense list and positions disagree", i)
		}
	}
	if all != n {
		return fmt.Errorf("%d ids in dense lists, %d in id maps", all, n)
	}
	if n != len(byID) {
		ids := make([]string, 0, len(byID))
		for id := range byID {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return fmt.Errorf("%d ids on the id side, %d on the room side (%v)", n, len(byID), ids)
	}
	return nil
}
