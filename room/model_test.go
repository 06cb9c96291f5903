package room_test

import (
	"slices"
	"testing"

	"github.com/sockbus/sockbus/room"
)

// model is the obvious map-based index the real one must agree with.
type model struct {
	rooms map[string]map[string]bool // room -> ids
	ids   map[string]map[string]bool // id -> rooms
}

func newModel() *model {
	return &model{rooms: map[string]map[string]bool{}, ids: map[string]map[string]bool{}}
}

func (m *model) join(id, r string, evs *[]room.Event) {
	if m.ids[id][r] {
		return
	}
	if m.rooms[r] == nil {
		m.rooms[r] = map[string]bool{}
		*evs = append(*evs, room.Event{Kind: room.CreateRoom, Room: r})
	}
	if m.ids[id] == nil {
		m.ids[id] = map[string]bool{}
	}
	m.rooms[r][id] = true
	m.ids[id][r] = true
	*evs = append(*evs, room.Event{Kind: room.JoinRoom, Room: r, ID: id})
}

func (m *model) leave(id, r string, evs *[]room.Event) {
	if !m.ids[id][r] {
		return
	}
	delete(m.ids[id], r)
	if len(m.ids[id]) == 0 {
		delete(m.ids, id)
	}
	delete(m.rooms[r], id)
	*evs = append(*evs, room.Event{Kind: room.LeaveRoom, Room: r, ID: id})
	if len(m.rooms[r]) == 0 {
		delete(m.rooms, r)
		*evs = append(*evs, room.Event{Kind: room.DeleteRoom, Room: r})
	}
}

func (m *model) targets(rooms, except []string) []string {
	var out []string
	for id, rs := range m.ids {
		in := len(rooms) == 0
		for _, r := range rooms {
			in = in || rs[r]
		}
		for _, r := range except {
			in = in && !rs[r]
		}
		if in {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var (
	modelIDs   = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	modelRooms = []string{"r0", "r1", "r2", "r3", "r4", "r5", "a", "b"}
)

// pickRooms decodes up to 4 room names from the low bits of n and b.
func pickRooms(n, b byte) []string {
	rs := make([]string, 0, 4)
	for i := range int(n % 5) {
		rs = append(rs, modelRooms[(int(b)>>(i*2)+i)%len(modelRooms)])
	}
	return rs
}

// FuzzIndexModel runs a byte string as a sequence of operations against an
// Index and the model, comparing results and events after every step.
func FuzzIndexModel(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte("join leave leaveall targets rooms has len members allrooms"))
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0, 3, 17, 200, 9, 2, 0, 0, 0})
	f.Add(slices.Repeat([]byte{0, 3, 255, 7, 0, 9, 129, 7, 3, 4, 255, 33}, 20))
	f.Fuzz(func(t *testing.T, ops []byte) { runModel(t, ops) })
}

// runModel applies ops (4 bytes each: op, id, room count, room bits) to an
// Index and to the model and fails at the first disagreement.
func runModel(t testing.TB, ops []byte) {
	var got []room.Event
	x := room.New(room.Config{Shards: 4, OnEvent: func(e room.Event) { got = append(got, e) }})
	m := newModel()
	for len(ops) >= 4 {
		op, idb, n, b := ops[0], ops[1], ops[2], ops[3]
		ops = ops[4:]
		id := modelIDs[int(idb)%len(modelIDs)]
		rs := pickRooms(n, b)
		var want []room.Event
		got = got[:0]
		switch op % 9 {
		case 0, 1:
			x.Join(id, rs...)
			for _, r := range rs {
				m.join(id, r, &want)
			}
		case 2:
			x.Leave(id, rs...)
			for _, r := range rs {
				m.leave(id, r, &want)
			}
		case 3:
			left := x.LeaveAll(id)
			wantLeft := keys(m.ids[id])
			if g := sorted(left); !slices.Equal(g, wantLeft) {
				t.Fatalf("LeaveAll(%q) = %q, want %q", id, g, wantLeft)
			}
			for i, e := range got {
				if e.Kind == room.DeleteRoom && (i == 0 || got[i-1] != room.Event{Kind: room.LeaveRoom, Room: e.Room, ID: id}) {
					t.Fatalf("LeaveAll events %v: DeleteRoom not right after its LeaveRoom", got)
				}
			}
			// The model leaves in sorted order; the index in any order.
			for _, r := range wantLeft {
				m.leave(id, r, &want)
			}
			slices.SortFunc(got, cmpEvent)
			slices.SortFunc(want, cmpEvent)
		case 4:
			except := pickRooms(b>>4, idb)
			g := sorted(x.AppendTargets(nil, rs, except))
			if w := m.targets(rs, except); !slices.Equal(g, w) {
				t.Fatalf("AppendTargets(%q, %q) = %q, want %q", rs, except, g, w)
			}
		case 5:
			if g, w := sorted(x.Rooms(id)), keys(m.ids[id]); !slices.Equal(g, w) {
				t.Fatalf("Rooms(%q) = %q, want %q", id, g, w)
			}
		case 6:
			for _, r := range modelRooms {
				if x.Has(r, id) != m.rooms[r][id] || x.Len(r) != len(m.rooms[r]) {
					t.Fatalf("Has/Len(%q, %q) disagree", r, id)
				}
			}
		case 7:
			for _, r := range rs {
				if g, w := sorted(x.AppendMembers(nil, r)), keys(m.rooms[r]); !slices.Equal(g, w) {
					t.Fatalf("AppendMembers(%q) = %q, want %q", r, g, w)
				}
			}
		default:
			w := make([]string, 0, len(m.rooms))
			for r := range m.rooms {
				w = append(w, r)
			}
			slices.Sort(w)
			if g := sorted(x.AllRooms(nil)); !slices.Equal(g, w) {
				t.Fatalf("AllRooms = %q, want %q", g, w)
			}
		}
		if len(got) != len(want) || (len(got) > 0 && !slices.Equal(got, want)) {
			t.Fatalf("op %d events = %v, want %v", op%9, got, want)
		}
	}
	if err := x.Check(); err != nil {
		t.Fatal(err)
	}
}

// cmpEvent orders LeaveAll's events by room, keeping each room's LeaveRoom
// before its DeleteRoom.
func cmpEvent(a, b room.Event) int {
	if a.Room != b.Room {
		if a.Room < b.Room {
			return -1
		}
		return 1
	}
	return int(b.Kind) - int(a.Kind) // LeaveRoom (4) before DeleteRoom (2)
}

// TestModelRandom runs the model comparison over pseudo-random op strings,
// so plain `go test` covers far more than the seed corpus.
func TestModelRandom(t *testing.T) {
	t.Parallel()
	seed := uint32(1)
	next := func() byte {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		return byte(seed)
	}
	for range 200 {
		ops := make([]byte, 400)
		for i := range ops {
			ops[i] = next()
		}
		runModel(t, ops)
	}
}
