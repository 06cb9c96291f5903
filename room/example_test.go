package room_test

import (
	"fmt"
	"slices"

	"github.com/sockbus/sockbus/room"
)

func ExampleIndex_AppendTargets() {
	x := room.New(room.Config{})
	x.Join("alice", "alice", "lobby", "chess")
	x.Join("bob", "bob", "lobby")
	x.Join("carol", "carol", "chess")

	// Everyone in lobby or chess, once each, except alice (the sender).
	targets := x.AppendTargets(nil, []string{"lobby", "chess"}, []string{"alice"})
	slices.Sort(targets)
	fmt.Println(targets)

	// Everyone in the index except chess players.
	targets = x.AppendTargets(targets[:0], nil, []string{"chess"})
	fmt.Println(targets)
	// Output:
	// [bob carol]
	// [bob]
}

func ExampleConfig_onEvent() {
	x := room.New(room.Config{OnEvent: func(e room.Event) {
		fmt.Printf("%v room=%s id=%q\n", e.Kind, e.Room, e.ID)
	}})
	x.Join("alice", "lobby")
	x.Leave("alice", "lobby")
	// Output:
	// create-room room=lobby id=""
	// join-room room=lobby id="alice"
	// leave-room room=lobby id="alice"
	// delete-room room=lobby id=""
}
