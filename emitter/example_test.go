package emitter_test

import (
	"errors"
	"fmt"

	"github.com/sockbus/sockbus/emitter"
)

func ExampleEmitter() {
	var e emitter.Emitter[string]
	off := e.On("chat", func(msg string) { fmt.Println("got:", msg) })
	e.Emit("chat", "hello")
	off()
	called, _ := e.Emit("chat", "nobody hears this")
	fmt.Println("called:", called)

	_, err := e.Emit("disconnect", "x")
	fmt.Println(errors.Is(err, emitter.ErrReserved))
	// Output:
	// got: hello
	// called: false
	// true
}

func ExampleEmitter_OnAny() {
	var e emitter.Emitter[int]
	e.OnAny(func(event string, n int) { fmt.Println("any:", event, n) })
	e.On("score", func(n int) { fmt.Println("score:", n) })
	e.Emit("score", 3)
	e.Emit("other", 4)
	// Output:
	// any: score 3
	// score: 3
	// any: other 4
}

func ExampleEmitter_Once() {
	var e emitter.Emitter[string]
	e.Once("ready", func(s string) { fmt.Println("ready:", s) })
	e.Emit("ready", "first")
	e.Emit("ready", "second")
	fmt.Println("listeners left:", e.ListenerCount("ready"))
	// Output:
	// ready: first
	// listeners left: 0
}

func ExampleEmitter_OnPanic() {
	e := emitter.Emitter[int]{OnPanic: func(p *emitter.PanicError) { fmt.Println("recovered:", p.Value) }}
	e.On("n", func(int) { panic("bad listener") })
	e.On("n", func(n int) { fmt.Println("still called with", n) })
	_, err := e.Emit("n", 1)
	fmt.Println(err)
	// Output:
	// recovered: bad listener
	// still called with 1
	// emitter: listener for "n" panicked: bad listener
}
