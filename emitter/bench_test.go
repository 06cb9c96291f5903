package emitter_test

import (
	"testing"

	"github.com/sockbus/sockbus/emitter"
)

var sink int

func BenchmarkEmit(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(map[int]string{1: "1listener", 10: "10listeners"}[n], func(b *testing.B) {
			var e emitter.Emitter[int]
			for range n {
				e.On("a", func(v int) { sink += v })
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				e.Emit("a", i)
			}
		})
	}
	b.Run("any", func(b *testing.B) {
		var e emitter.Emitter[int]
		e.OnAny(func(_ string, v int) { sink += v })
		e.On("a", func(v int) { sink += v })
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e.Emit("a", i)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var e emitter.Emitter[int]
		e.On("a", func(int) {})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e.Emit("a", 1)
			}
		})
	})
}

func BenchmarkOnOff(b *testing.B) {
	var e emitter.Emitter[int]
	for _, ev := range []string{"a", "b", "c", "d"} {
		e.On(ev, func(int) {})
	}
	fn := func(int) {}
	b.ReportAllocs()
	for b.Loop() {
		off := e.On("a", fn)
		off()
	}
}
