package room_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/sockbus/sockbus/room"
)

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestEventKindString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k    room.EventKind
		want string
	}{
		{room.CreateRoom, "create-room"},
		{room.DeleteRoom, "delete-room"},
		{room.JoinRoom, "join-room"},
		{room.LeaveRoom, "leave-room"},
		{0, "EventKind(0)"},
		{9, "EventKind(9)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("EventKind(%d).String() = %q, want %q", tt.k, got, tt.want)
		}
	}
}

func TestShards(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want int }{
		{0, 64}, {-3, 64}, {1, 1}, {2, 2}, {3, 4}, {64, 64}, {65, 128}, {1000, 1024}, {1 << 20, 1 << 16},
	}
	for _, tt := range tests {
		if got := room.New(room.Config{Shards: tt.in}).ShardCount(); got != tt.want {
			t.Errorf("Shards %d: got %d shards, want %d", tt.in, got, tt.want)
		}
	}
}

func TestQueries(t *testing.T) {
	t.Parallel()
	for _, shards := range []int{1, 64} {
		t.Run(fmt.Sprint("shards=", shards), func(t *testing.T) {
			t.Parallel()
			x := room.New(room.Config{Shards: shards})
			x.Join("s1", "s1", "lobby", "game")
			x.Join("s2", "s2", "lobby")
			x.Join("s2", "lobby") // no-op
			x.Join("s3")          // no rooms: no-op
			tests := []struct {
				room, id string
				has      bool
			}{
				{"lobby", "s1", true},
				{"lobby", "s2", true},
				{"game", "s1", true},
				{"game", "s2", false},
				{"nowhere", "s1", false},
				{"s1", "s1", true},
			}
			for _, tt := range tests {
				if got := x.Has(tt.room, tt.id); got != tt.has {
					t.Errorf("Has(%q, %q) = %v, want %v", tt.room, tt.id, got, tt.has)
				}
			}
			lens := map[string]int{"lobby": 2, "game": 1, "s1": 1, "s2": 1, "nowhere": 0}
			for r, want := range lens {
				if got := x.Len(r); got != want {
					t.Errorf("Len(%q) = %d, want %d", r, got, want)
				}
			}
			if got, want := sorted(x.Rooms("s1")), []string{"game", "lobby", "s1"}; !slices.Equal(got, want) {
				t.Errorf("Rooms(s1) = %q, want %q", got, want)
			}
			if got := x.Rooms("s3"); got != nil {
				t.Errorf("Rooms(s3) = %q, want nil", got)
			}
			if got, want := sorted(x.AllRooms(nil)), []string{"game", "lobby", "s1", "s2"}; !slices.Equal(got, want) {
				t.Errorf("AllRooms = %q, want %q", got, want)
			}
			if got, want := sorted(x.AppendMembers([]string{"keep"}, "lobby")), []string{"keep", "s1", "s2"}; !slices.Equal(got, want) {
				t.Errorf("AppendMembers = %q, want %q", got, want)
			}
			x.Leave("s1", "game", "nowhere", "game")
			x.Leave("nobody", "lobby")
			if x.Has("game", "s1") || x.Len("game") != 0 {
				t.Error("s1 still in game after Leave")
			}
			if got, want := sorted(x.AllRooms(nil)), []string{"lobby", "s1", "s2"}; !slices.Equal(got, want) {
				t.Errorf("AllRooms after leave = %q, want %q", got, want)
			}
			if err := x.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLeaveAll(t *testing.T) {
	t.Parallel()
	x := room.New(room.Config{})
	x.Join("a", "a", "r1", "r2")
	x.Join("b", "b", "r1")
	if got, want := sorted(x.LeaveAll("a")), []string{"a", "r1", "r2"}; !slices.Equal(got, want) {
		t.Errorf("LeaveAll(a) = %q, want %q", got, want)
	}
	if got := x.LeaveAll("a"); got != nil {
		t.Errorf("second LeaveAll(a) = %q, want nil", got)
	}
	if got := x.Rooms("a"); got != nil {
		t.Errorf("Rooms(a) = %q after LeaveAll", got)
	}
	if got, want := sorted(x.AllRooms(nil)), []string{"b", "r1"}; !slices.Equal(got, want) {
		t.Errorf("AllRooms = %q, want %q", got, want)
	}
	if got, want := x.AppendMembers(nil, "r1"), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("members of r1 = %q, want %q", got, want)
	}
	if err := x.Check(); err != nil {
		t.Fatal(err)
	}
}

// swapDeleteIndex builds rooms whose members are removed from the middle,
// the end and the start of the dense member list, and shrinks a big room.
func TestSwapDelete(t *testing.T) {
	t.Parallel()
	x := room.New(room.Config{Shards: 4})
	for i := range 300 {
		x.Join(fmt.Sprint("id", i), "big")
	}
	for i := 0; i < 300; i += 3 {
		x.Leave(fmt.Sprint("id", i), "big")
	}
	for i := 299; i >= 200; i-- {
		x.Leave(fmt.Sprint("id", i), "big")
	}
	if err := x.Check(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 200 {
		if i%3 != 0 {
			want = append(want, fmt.Sprint("id", i))
		}
	}
	if got := sorted(x.AppendMembers(nil, "big")); !slices.Equal(got, sorted(want)) {
		t.Errorf("members = %q,\nwant %q", got, sorted(want))
	}
}

func TestAppendTargets(t *testing.T) {
	t.Parallel()
	x := room.New(room.Config{})
	members := map[string][]string{
		"a":   {"1", "2", "3"},
		"b":   {"3", "4"},
		"c":   {"5"},
		"big": {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"},
	}
	for r, ids := range members {
		for _, id := range ids {
			x.Join(id, r, id) // every id also in its own room
		}
	}
	x.Join("12", "12")
	all := []string{"1", "10", "11", "12", "2", "3", "4", "5", "6", "7", "8", "9"}
	tests := []struct {
		name          string
		rooms, except []string
		want          []string
	}{
		{"one room", []string{"a"}, nil, []string{"1", "2", "3"}},
		{"missing room", []string{"zzz"}, nil, nil},
		{"union dedups", []string{"a", "b"}, nil, []string{"1", "2", "3", "4"}},
		{"union three", []string{"c", "a", "b"}, nil, []string{"1", "2", "3", "4", "5"}},
		{"union with missing", []string{"zzz", "b", "yyy"}, nil, []string{"3", "4"}},
		{"repeated room", []string{"a", "a"}, nil, []string{"1", "2", "3"}},
		{"repeated room last", []string{"a", "b", "a"}, nil, []string{"1", "2", "3", "4"}},
		{"except one id", []string{"a"}, []string{"2"}, []string{"1", "3"}},
		{"except room", []string{"a", "b"}, []string{"b"}, []string{"1", "2"}},
		{"except self", []string{"a"}, []string{"a"}, nil},
		{"except missing", []string{"a"}, []string{"zzz"}, []string{"1", "2", "3"}},
		{"except big set", []string{"big"}, []string{"a", "b", "c", "7", "8", "9"}, []string{"10", "11", "6"}},
		{"except overlapping", []string{"big"}, []string{"a", "3", "1"}, []string{"10", "11", "4", "5", "6", "7", "8", "9"}},
		{"all ids", nil, nil, all},
		{"all except", nil, []string{"big"}, []string{"12"}},
		{"all except ids", []string{}, []string{"12", "1", "zzz"}, []string{"10", "11", "2", "3", "4", "5", "6", "7", "8", "9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix := []string{"prefix"}
			got := x.AppendTargets(slices.Clip(prefix), tt.rooms, tt.except)
			if got[0] != "prefix" {
				t.Fatalf("dst prefix overwritten: %q", got)
			}
			if g, w := sorted(got[1:]), sorted(tt.want); !slices.Equal(g, w) {
				t.Errorf("AppendTargets(%q, %q) = %q, want %q", tt.rooms, tt.except, g, w)
			}
			// Same result into a roomy dst (exercises the scratch space).
			roomy := x.AppendTargets(make([]string, 0, 64), tt.rooms, tt.except)
			if g, w := sorted(roomy), sorted(tt.want); !slices.Equal(g, w) {
				t.Errorf("roomy dst: got %q, want %q", g, w)
			}
		})
	}
}

// TestAppendTargetsBigExcept checks every except strategy (by position for
// small except sets, through a set for big ones) against a naive filter.
func TestAppendTargetsBigExcept(t *testing.T) {
	t.Parallel()
	x := room.New(room.Config{Shards: 4})
	member := map[string]map[string]bool{}
	join := func(id, r string) {
		x.Join(id, r)
		if member[r] == nil {
			member[r] = map[string]bool{}
		}
		member[r][id] = true
	}
	var all []string
	for i := range 200 {
		id := fmt.Sprint("id", i)
		all = append(all, id)
		join(id, "all")
		join(id, fmt.Sprint("mod3-", i%3))
		if i < 40 {
			join(id, "first40")
		}
		if i%50 == 0 {
			join(id, "few")
		}
	}
	for _, rooms := range [][]string{nil, {"all"}, {"mod3-0"}, {"mod3-0", "mod3-1"}, {"few", "first40", "few"}} {
		for _, except := range [][]string{{"few"}, {"first40"}, {"first40", "few", "mod3-2"}, {"few", "few"}} {
			var want []string
			for _, id := range all {
				in := len(rooms) == 0
				for _, r := range rooms {
					in = in || member[r][id]
				}
				for _, r := range except {
					in = in && !member[r][id]
				}
				if in {
					want = append(want, id)
				}
			}
			got := x.AppendTargets(nil, rooms, except)
			if g, w := sorted(got), sorted(want); !slices.Equal(g, w) {
				t.Errorf("AppendTargets(%q, %q) = %d ids %q,\nwant %d ids %q", rooms, except, len(g), g, len(w), w)
			}
		}
	}
}

func TestAppendTargetsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	x := room.New(room.Config{})
	for i := range 100 {
		x.Join(fmt.Sprint("id", i), "r")
	}
	x.Join("id7", "id7")
	dst := make([]string, 0, 256)
	tests := []struct {
		name          string
		rooms, except []string
	}{
		{"single room", []string{"r"}, nil},
		{"single room, small except", []string{"r"}, []string{"id7"}},
		{"all ids, small except", nil, []string{"id7"}},
		{"union, except", []string{"r", "id7"}, []string{"id7"}},
	}
	for _, tt := range tests {
		allocs := testing.AllocsPerRun(100, func() {
			dst = x.AppendTargets(dst[:0], tt.rooms, tt.except)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs per AppendTargets, want 0", tt.name, allocs)
		}
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	ev := func(k room.EventKind, r, id string) room.Event { return room.Event{Kind: k, Room: r, ID: id} }
	tests := []struct {
		name string
		ops  func(x *room.Index)
		want []room.Event
	}{
		{"join new room", func(x *room.Index) { x.Join("a", "r") },
			[]room.Event{ev(room.CreateRoom, "r", ""), ev(room.JoinRoom, "r", "a")}},
		{"join existing room", func(x *room.Index) { x.Join("a", "r"); x.Join("b", "r"); x.Join("b", "r") },
			[]room.Event{ev(room.CreateRoom, "r", ""), ev(room.JoinRoom, "r", "a"), ev(room.JoinRoom, "r", "b")}},
		{"join many", func(x *room.Index) { x.Join("a", "r1", "r2", "r1") },
			[]room.Event{ev(room.CreateRoom, "r1", ""), ev(room.JoinRoom, "r1", "a"), ev(room.CreateRoom, "r2", ""), ev(room.JoinRoom, "r2", "a")}},
		{"leave not last", func(x *room.Index) { x.Join("a", "r"); x.Join("b", "r"); x.Leave("a", "r", "r") },
			[]room.Event{ev(room.CreateRoom, "r", ""), ev(room.JoinRoom, "r", "a"), ev(room.JoinRoom, "r", "b"), ev(room.LeaveRoom, "r", "a")}},
		{"leave last", func(x *room.Index) { x.Join("a", "r"); x.Leave("a", "r"); x.Leave("a", "r") },
			[]room.Event{ev(room.CreateRoom, "r", ""), ev(room.JoinRoom, "r", "a"), ev(room.LeaveRoom, "r", "a"), ev(room.DeleteRoom, "r", "")}},
		{"leave all", func(x *room.Index) { x.Join("a", "r"); x.LeaveAll("a") },
			[]room.Event{ev(room.CreateRoom, "r", ""), ev(room.JoinRoom, "r", "a"), ev(room.LeaveRoom, "r", "a"), ev(room.DeleteRoom, "r", "")}},
		{"join many rooms at once", func(x *room.Index) { x.Join("a", "1", "2", "3", "4", "5") }, nil}, // checked by count below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []room.Event
			x := room.New(room.Config{OnEvent: func(e room.Event) { got = append(got, e) }})
			tt.ops(x)
			if tt.want == nil {
				if len(got) != 10 {
					t.Errorf("got %d events, want 10", len(got))
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events = %v,\nwant     %v", got, tt.want)
			}
		})
	}
}

// TestEventsOutsideLock checks that OnEvent may call back into the index.
func TestEventsOutsideLock(t *testing.T) {
	t.Parallel()
	var x *room.Index
	var lens []int
	x = room.New(room.Config{Shards: 1, OnEvent: func(e room.Event) {
		lens = append(lens, x.Len(e.Room))
		if e.Kind == room.JoinRoom && e.Room != "echo" {
			x.Join(e.ID+"-echo", "echo")
		}
	}})
	x.Join("a", "r")
	if x.Len("echo") != 1 || !slices.Equal(lens, []int{1, 1, 1, 1}) {
		t.Errorf("echo len %d, lens %v", x.Len("echo"), lens)
	}
}

func TestConcurrentStorm(t *testing.T) {
	t.Parallel()
	x := room.New(room.Config{Shards: 8, OnEvent: func(room.Event) {}})
	// Ids x0..x4 stay in excl, r1 and r2 throughout: excepting excl must
	// always drop them, whatever the churn around them.
	for i := range 5 {
		x.Join(fmt.Sprint("x", i), "excl", "r1", "r2")
	}
	const workers, ops = 8, 10_000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			dst := make([]string, 0, 64)
			for i := range ops {
				id := fmt.Sprint("id", (w*7+i)%50)
				r := fmt.Sprint("r", (w+i*13)%20)
				switch i % 6 {
				case 0, 1:
					x.Join(id, r, id)
				case 2:
					x.Leave(id, r)
				case 3:
					if i%60 == 3 {
						x.LeaveAll(id)
					} else {
						_ = x.Has(r, id) || x.Len(r) > 0
					}
				case 4:
					dst = x.AppendTargets(dst[:0], []string{r, "r1", "r2"}, []string{id, "excl"})
					for _, d := range dst {
						if d[0] == 'x' {
							t.Errorf("AppendTargets returned excepted id %q", d)
						}
					}
					seen := map[string]bool{}
					for _, d := range dst {
						if seen[d] {
							t.Errorf("AppendTargets returned %q twice", d)
						}
						seen[d] = true
					}
				default:
					dst = x.AppendTargets(dst[:0], nil, []string{r})
					_ = x.Rooms(id)
					_ = x.AllRooms(dst[:0])
				}
			}
		})
	}
	wg.Wait()
	if err := x.Check(); err != nil {
		t.Fatal(err)
	}
}
