package bus

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/sockbus/sockbus/transport"
)

// selected returns the ids targets and targetIDs (the room index path,
// the reference) select for opts, sorted.
func selected(ns *Namespace, opts BroadcastOptions) (got, want []string) {
	ns.targets(opts, func(s *Socket) bool { got = append(got, s.id); return true })
	ns.targetIDs(opts, func(s *Socket) bool { want = append(want, s.id); return true })
	slices.Sort(got)
	slices.Sort(want)
	return got, want
}

// TestTargetsMatchIndex drives random joins, leaves, connects (some
// joining rooms in a middleware) and disconnects, and checks after each
// step that every kind of selection (all, one cached room, one small room,
// unions, except sets small and big) finds what the room index finds.
func TestTargetsMatchIndex(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 2} { // 2: entries are evicted all the time
		t.Run(fmt.Sprint("cache size ", size), func(t *testing.T) {
			t.Parallel()
			testTargetsMatchIndex(t, size)
		})
	}
}

func testTargetsMatchIndex(t *testing.T, cacheSize int) {
	s := newServer(t, Config{})
	ns := s.Of("/")
	ns.cache.size = cacheSize
	rooms := []string{"a", "b", "c", "d"}
	ns.Use(func(so *Socket) error {
		if so.hs.Query["early"] != nil {
			so.Join("a", "c")
			// Resolve "a" while so is in it but not yet connected.
			ns.targets(BroadcastOptions{Rooms: []string{"a"}}, func(*Socket) bool { return true })
		}
		return nil
	})
	rng := rand.New(rand.NewPCG(1, 2))
	var sockets []*Socket
	connect := func(early bool) {
		c := &discardConn{id: fmt.Sprint(len(sockets), "-", rng.Int())}
		h := transport.Handshake{}
		if early {
			h.Query = map[string][]string{"early": {"1"}}
		}
		if err := s.OnOpen(c, h); err != nil {
			t.Fatal(err)
		}
		s.OnMessage(c, connectMsg)
		cs := s.conn(c)
		sockets = append(sockets, cs.socket("/"))
	}
	for range 30 {
		connect(rng.IntN(3) == 0)
	}
	for step := range 600 {
		so := sockets[rng.IntN(len(sockets))]
		r := rooms[rng.IntN(len(rooms))]
		switch k := rng.IntN(10); {
		case k < 4:
			so.Join(r)
		case k < 7:
			so.Leave(r)
		case k < 8:
			_ = so.Disconnect(false)
		default:
			connect(rng.IntN(2) == 0)
		}
		big := rooms[rng.IntN(len(rooms))]
		for _, opts := range []BroadcastOptions{
			{},
			{Rooms: []string{r}},
			{Rooms: []string{so.id}},
			{Rooms: []string{r}, Except: []string{so.id}},
			{Except: []string{so.id}},
			{Rooms: []string{r}, Except: []string{big}},
			{Except: []string{big, so.id}},
			{Rooms: []string{r, big}, Except: []string{so.id}},
			{Rooms: []string{"none"}},
		} {
			got, want := selected(ns, opts)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d, %+v: targets %v, room index %v", step, opts, got, want)
			}
		}
	}
	if n := ns.cache.cache().Len(); n == 0 {
		t.Error("no room was cached: the test does not cover the cache")
	}
}

// TestTargetsConcurrent broadcasts to a cached room while sockets join and
// leave it (for the race detector), then checks the cache settles on the
// index's view.
func TestTargetsConcurrent(t *testing.T) {
	t.Parallel()
	s := benchServer(t, 64, false)
	ns := s.Of("/")
	all := ns.Sockets()
	for _, so := range all[:32] {
		so.Join("r")
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				so := all[(g*200+i)%len(all)]
				if i%2 == 0 {
					so.Join("r")
				} else {
					so.Leave("r")
				}
				if err := ns.To("r").Emit("x", i); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, want := selected(ns, BroadcastOptions{Rooms: []string{"r"}})
	if !slices.Equal(got, want) {
		t.Fatalf("targets %v, room index %v", got, want)
	}
}
