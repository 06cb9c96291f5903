package room

import "slices"

// dense is a set of strings kept as a dense slice, for fast copies, and a
// map from each element to its position, for O(1) lookup and swap-delete.
// The caller synchronises access.
type dense struct {
	pos  map[string]int
	list []string
}

func (d *dense) has(s string) bool {
	_, ok := d.pos[s]
	return ok
}

// add adds s, which must not be in d.
func (d *dense) add(s string) {
	if d.pos == nil {
		d.pos = make(map[string]int, 1)
	}
	d.pos[s] = len(d.list)
	d.list = append(d.list, s)
}

// remove removes s, which must be in d, moving the last element into its
// place. The slice is reallocated smaller when it is mostly empty.
func (d *dense) remove(s string) {
	i := d.pos[s]
	last := len(d.list) - 1
	if i != last {
		moved := d.list[last]
		d.list[i] = moved
		d.pos[moved] = i
	}
	d.list[last] = ""
	d.list = d.list[:last]
	delete(d.pos, s)
	if cap(d.list) > 64 && cap(d.list) > 4*len(d.list) {
		d.list = append(make([]string, 0, 2*len(d.list)), d.list...)
	}
}

// maxPosExcept is the most except ids that appendMinus removes by position;
// larger except sets are filtered through a map instead.
const maxPosExcept = 32

// appendMinus appends the elements of d to dst except those in ex (at most
// maxPosExcept, duplicates allowed). Rather than testing every element it
// looks up the position of each except id and swap-deletes it from the
// copy, so the cost is a copy plus O(len(ex)).
func (d *dense) appendMinus(dst []string, ex []string) []string {
	start := len(dst)
	dst = append(dst, d.list...)
	var buf [maxPosExcept]int
	pos := buf[:0]
	for _, id := range ex {
		if i, ok := d.pos[id]; ok {
			pos = append(pos, start+i)
		}
	}
	if len(pos) == 0 {
		return dst
	}
	slices.Sort(pos)
	pos = slices.Compact(pos)
	// Delete from the highest position down: the element moved into a hole
	// always comes from above every remaining hole.
	for k := len(pos) - 1; k >= 0; k-- {
		last := len(dst) - 1
		dst[pos[k]] = dst[last]
		dst[last] = ""
		dst = dst[:last]
	}
	return dst
}
