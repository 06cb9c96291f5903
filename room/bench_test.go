package room_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sockbus/sockbus/room"
)

const (
	benchMembers = 100_000
	benchRooms   = 10_000
	roomsPerID   = 3 // shared rooms each member joins, besides its own
)

func benchID(i int) string   { return "socket-" + strconv.Itoa(i) }
func benchRoom(i int) string { return "room-" + strconv.Itoa(i) }

// benchIndex is 100k members over 10k shared rooms (each member in its own
// room and 3 shared rooms, so ~30 members a shared room), plus "all" (every
// member) and "half", "third" (every 2nd, every 3rd member). Built once.
var benchIndex = sync.OnceValue(func() *room.Index {
	x := room.New(room.Config{})
	for i := range benchMembers {
		id := benchID(i)
		rs := []string{id, "all"}
		for k := range roomsPerID {
			rs = append(rs, benchRoom((i*7+k*3331)%benchRooms))
		}
		if i%2 == 0 {
			rs = append(rs, "half")
		}
		if i%3 == 0 {
			rs = append(rs, "third")
		}
		x.Join(id, rs...)
	}
	return x
})

func BenchmarkAppendTargets(b *testing.B) {
	x := benchIndex()
	tests := []struct {
		name          string
		rooms, except []string
	}{
		{"one room 100k", []string{"all"}, nil},
		{"one room 100k except sender", []string{"all"}, []string{benchID(5)}},
		{"one room 30 except sender", []string{benchRoom(42)}, []string{benchID(6)}},
		{"union 3 rooms 30", []string{benchRoom(1), benchRoom(2), benchRoom(3)}, []string{benchID(7)}},
		{"union 3 rooms 83k except 16k", []string{"half", "third", benchRoom(9)}, []string{"sixth", benchID(7)}},
		{"all ids", nil, nil},
		{"all ids except sender", nil, []string{benchID(8)}},
		{"all ids except room 30", nil, []string{benchRoom(3)}},
	}
	x.Join(benchID(0), "sixth") // a small except room for the big union
	for i := 0; i < benchMembers; i += 6 {
		x.Join(benchID(i), "sixth")
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			dst := x.AppendTargets(nil, tt.rooms, tt.except)
			n := len(dst)
			b.ReportAllocs()
			for b.Loop() {
				dst = x.AppendTargets(dst[:0], tt.rooms, tt.except)
			}
			b.ReportMetric(float64(n), "targets")
		})
	}
}

func BenchmarkJoinLeaveParallel(b *testing.B) {
	x := benchIndex()
	ids := make([]string, benchMembers)
	for i := range ids {
		ids[i] = benchID(i)
	}
	rooms := make([]string, benchRooms)
	for i := range rooms {
		rooms[i] = benchRoom(i)
	}
	var seq atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(1)) * 7919
		for pb.Next() {
			i++
			id := ids[i%benchMembers]
			r := rooms[(i*31)%benchRooms]
			x.Join(id, r)
			x.Leave(id, r)
		}
	})
}

func BenchmarkJoinLeave(b *testing.B) {
	x := benchIndex()
	id, r := benchID(12345), benchRoom(777)
	b.ReportAllocs()
	for b.Loop() {
		x.Join(id, r)
		x.Leave(id, r)
	}
}

// BenchmarkBuild100k10k builds a 100k member / 10k room index from empty
// and tears it down with LeaveAll, one member at a time.
func BenchmarkBuild100k10k(b *testing.B) {
	ids := make([]string, benchMembers)
	rooms := make([][]string, benchMembers)
	for i := range ids {
		ids[i] = benchID(i)
		rooms[i] = []string{ids[i]}
		for k := range roomsPerID {
			rooms[i] = append(rooms[i], benchRoom((i*7+k*3331)%benchRooms))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		x := room.New(room.Config{})
		for i, id := range ids {
			x.Join(id, rooms[i]...)
		}
		for _, id := range ids {
			x.LeaveAll(id)
		}
	}
}
