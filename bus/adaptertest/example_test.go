package adaptertest_test

import (
	"fmt"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
)

// StubLocal stands in for a server when an adapter's message handling is
// tested alone: it answers requests with fixed data.
func ExampleStubLocal() {
	var l bus.Local = adaptertest.StubLocal{}
	fmt.Println(l.Namespace(), l.Rooms(), l.FetchSockets(bus.BroadcastOptions{})[0].ID)
	l.ServerSideEmit("ping", bus.Args{}, func(v []any) { fmt.Println(v...) })
	// Output:
	// / [r] s1
	// pong
}
