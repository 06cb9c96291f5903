package emitter_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sockbus/sockbus/emitter"
)

// recorder collects calls in order; safe for concurrent use.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.got = append(r.got, s)
	r.mu.Unlock()
}

func (r *recorder) fn(tag string) func(int) {
	return func(a int) { r.add(fmt.Sprintf("%s:%d", tag, a)) }
}

func (r *recorder) anyFn(tag string) func(string, int) {
	return func(ev string, a int) { r.add(fmt.Sprintf("%s:%s:%d", tag, ev, a)) }
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

func TestIsReserved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"connect", true},
		{"connect_error", true},
		{"disconnect", true},
		{"disconnecting", true},
		{"newListener", true},
		{"removeListener", true},
		{"message", false},
		{"Connect", false},
		{"", false},
		{"disconnected", false},
	}
	for _, tt := range tests {
		if got := emitter.IsReserved(tt.name); got != tt.want {
			t.Errorf("IsReserved(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, name := range emitter.Reserved {
		if !emitter.IsReserved(name) {
			t.Errorf("Reserved holds %q but IsReserved says false", name)
		}
	}
}

func TestEmitOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(e *emitter.Emitter[int], r *recorder)
		event string
		want  []string
	}{
		{
			name:  "none",
			setup: func(*emitter.Emitter[int], *recorder) {},
			event: "a",
			want:  nil,
		},
		{
			name: "registration order",
			setup: func(e *emitter.Emitter[int], r *recorder) {
				e.On("a", r.fn("1"))
				e.On("a", r.fn("2"))
				e.On("a", r.fn("3"))
			},
			event: "a",
			want:  []string{"1:7", "2:7", "3:7"},
		},
		{
			name: "prepend first",
			setup: func(e *emitter.Emitter[int], r *recorder) {
				e.On("a", r.fn("1"))
				e.Prepend("a", r.fn("0"))
				e.On("a", r.fn("2"))
			},
			event: "a",
			want:  []string{"0:7", "1:7", "2:7"},
		},
		{
			name: "other events untouched",
			setup: func(e *emitter.Emitter[int], r *recorder) {
				e.On("a", r.fn("a"))
				e.On("b", r.fn("b"))
			},
			event: "b",
			want:  []string{"b:7"},
		},
		{
			name: "any before named",
			setup: func(e *emitter.Emitter[int], r *recorder) {
				e.On("a", r.fn("n"))
				e.OnAny(r.anyFn("any1"))
				e.PrependAny(r.anyFn("any0"))
				e.OnAnyOutgoing(r.anyFn("out"))
			},
			event: "a",
			want:  []string{"any0:a:7", "any1:a:7", "n:7"},
		},
		{
			name: "any without named",
			setup: func(e *emitter.Emitter[int], r *recorder) {
				e.OnAny(r.anyFn("any"))
			},
			event: "zzz",
			want:  []string{"any:zzz:7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e emitter.Emitter[int]
			var r recorder
			tt.setup(&e, &r)
			called, err := e.Emit(tt.event, 7)
			if err != nil {
				t.Fatalf("Emit: %v", err)
			}
			got := r.take()
			if !slices.Equal(got, tt.want) {
				t.Errorf("calls = %q, want %q", got, tt.want)
			}
			if called != (len(tt.want) > 0) {
				t.Errorf("called = %v, want %v", called, len(tt.want) > 0)
			}
		})
	}
}

func TestEmitReservedNames(t *testing.T) {
	t.Parallel()
	for _, name := range emitter.Reserved {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var e emitter.Emitter[int]
			var r recorder
			e.On(name, r.fn("n"))
			e.OnAny(r.anyFn("any"))
			called, err := e.Emit(name, 1)
			if !errors.Is(err, emitter.ErrReserved) {
				t.Fatalf("Emit(%q) err = %v, want ErrReserved", name, err)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name the event", err)
			}
			if called || len(r.take()) != 0 {
				t.Fatalf("Emit(%q) called listeners", name)
			}
			called, err = e.EmitReserved(name, 2)
			if err != nil || !called {
				t.Fatalf("EmitReserved = %v, %v; want true, nil", called, err)
			}
			if got, want := r.take(), []string{"n:2"}; !slices.Equal(got, want) {
				t.Errorf("EmitReserved calls = %q, want %q (no any-listeners)", got, want)
			}
		})
	}
}

func TestEmitReservedPlainName(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	e.On("msg", r.fn("n"))
	e.OnAny(r.anyFn("any"))
	if called, err := e.EmitReserved("msg", 3); !called || err != nil {
		t.Fatalf("EmitReserved = %v, %v", called, err)
	}
	if got, want := r.take(), []string{"any:msg:3", "n:3"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestEmitOutgoing(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	e.On("a", r.fn("n"))
	e.OnAny(r.anyFn("in"))
	e.OnAnyOutgoing(r.anyFn("out1"))
	e.PrependAnyOutgoing(r.anyFn("out0"))
	if err := e.EmitOutgoing("a", 5); err != nil {
		t.Fatal(err)
	}
	if got, want := r.take(), []string{"out0:a:5", "out1:a:5"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	// Outgoing listeners do not see incoming emits.
	e.Emit("a", 6)
	if got, want := r.take(), []string{"in:a:6", "n:6"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	e.OffAnyOutgoing()
	if err := e.EmitOutgoing("a", 7); err != nil {
		t.Fatal(err)
	}
	if got := r.take(); len(got) != 0 {
		t.Errorf("after OffAnyOutgoing calls = %q", got)
	}
}

func TestOffIdempotent(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var removed []string
	e.OnRemoveListener = func(ev string) { removed = append(removed, ev) }
	var r recorder
	fn := r.fn("x")
	off1 := e.On("a", fn)
	off2 := e.On("a", fn) // same func value, distinct listener
	off1()
	off1()
	if n := e.ListenerCount("a"); n != 1 {
		t.Fatalf("ListenerCount after off1 twice = %d, want 1", n)
	}
	e.Emit("a", 1)
	if got := r.take(); len(got) != 1 {
		t.Fatalf("calls = %q, want one", got)
	}
	off2()
	off2()
	if n := e.ListenerCount("a"); n != 0 {
		t.Fatalf("ListenerCount = %d, want 0", n)
	}
	if names := e.EventNames(); len(names) != 0 {
		t.Errorf("EventNames = %q, want none", names)
	}
	if want := []string{"a", "a"}; !slices.Equal(removed, want) {
		t.Errorf("OnRemoveListener calls = %q, want %q", removed, want)
	}
}

func TestAnyOff(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	off := e.OnAny(r.anyFn("1"))
	e.OnAny(r.anyFn("2"))
	if n := e.AnyCount(); n != 2 {
		t.Fatalf("AnyCount = %d, want 2", n)
	}
	off()
	off()
	e.Emit("a", 1)
	if got, want := r.take(), []string{"2:a:1"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	e.OffAny()
	if n := e.AnyCount(); n != 0 {
		t.Fatalf("AnyCount after OffAny = %d", n)
	}
	if called, _ := e.Emit("a", 2); called {
		t.Error("Emit after OffAny called a listener")
	}
	offOut := e.OnAnyOutgoing(r.anyFn("o"))
	offOut()
	offOut()
	e.EmitOutgoing("a", 3)
	if got := r.take(); len(got) != 0 {
		t.Errorf("removed outgoing listener called: %q", got)
	}
}

func TestOnce(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	var countInside int
	e.Once("a", func(a int) {
		countInside = e.ListenerCount("a")
		r.add(fmt.Sprint("once:", a))
	})
	e.On("a", r.fn("on"))
	e.Emit("a", 1)
	e.Emit("a", 2)
	want := []string{"once:1", "on:1", "on:2"}
	if got := r.take(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if countInside != 1 {
		t.Errorf("ListenerCount inside once listener = %d, want 1 (removed before call)", countInside)
	}
}

func TestOnceOffBeforeEmit(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var n atomic.Int32
	off := e.Once("a", func(int) { n.Add(1) })
	off()
	if called, _ := e.Emit("a", 1); called || n.Load() != 0 {
		t.Fatalf("removed Once listener ran (called=%v, n=%d)", called, n.Load())
	}
}

func TestOnceConcurrent(t *testing.T) {
	t.Parallel()
	for range 20 {
		var e emitter.Emitter[int]
		var n atomic.Int32
		e.Once("a", func(int) { n.Add(1) })
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				<-start
				e.Emit("a", i)
			})
		}
		close(start)
		wg.Wait()
		if got := n.Load(); got != 1 {
			t.Fatalf("Once listener ran %d times, want 1", got)
		}
		if c := e.ListenerCount("a"); c != 0 {
			t.Fatalf("ListenerCount = %d, want 0", c)
		}
	}
}

func TestOffDuringEmit(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	var off2 func()
	e.On("a", func(a int) {
		r.add(fmt.Sprint("1:", a))
		off2()
	})
	off2 = e.On("a", r.fn("2"))
	e.Emit("a", 1) // the emit in progress still calls 2
	e.Emit("a", 2) // later emits do not
	want := []string{"1:1", "2:1", "1:2"}
	if got := r.take(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestOffSelfDuringEmit(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	var off func()
	off = e.On("a", func(a int) {
		r.add(fmt.Sprint("self:", a))
		off()
	})
	e.On("a", r.fn("next"))
	e.Emit("a", 1)
	e.Emit("a", 2)
	want := []string{"self:1", "next:1", "next:2"}
	if got := r.take(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestAddDuringEmit(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	var added atomic.Bool
	e.On("a", func(a int) {
		r.add(fmt.Sprint("1:", a))
		if added.CompareAndSwap(false, true) {
			e.On("a", r.fn("late"))
			e.Prepend("a", r.fn("early"))
			e.OnAny(r.anyFn("any"))
		}
	})
	e.Emit("a", 1)
	e.Emit("a", 2)
	want := []string{"1:1", "any:a:2", "early:2", "1:2", "late:2"}
	if got := r.take(); !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var r recorder
	var reported []*emitter.PanicError
	e.OnPanic = func(p *emitter.PanicError) { reported = append(reported, p) }
	e.OnAny(func(string, int) { panic("any boom") })
	e.On("a", func(int) { panic("boom") })
	e.On("a", r.fn("after"))
	e.On("a", func(int) { panic(fmt.Errorf("wrapped")) })
	called, err := e.Emit("a", 1)
	if !called {
		t.Error("called = false")
	}
	if got, want := r.take(), []string{"after:1"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q (listeners after a panic must run)", got, want)
	}
	if len(reported) != 3 {
		t.Fatalf("OnPanic called %d times, want 3", len(reported))
	}
	wantValues := []any{"any boom", "boom"}
	for i, w := range wantValues {
		if reported[i].Value != w || reported[i].Event != "a" {
			t.Errorf("panic %d = {%q %v}, want {a %v}", i, reported[i].Event, reported[i].Value, w)
		}
	}
	if !strings.Contains(string(reported[1].Stack), "emitter_test") {
		t.Errorf("stack does not show the panicking listener:\n%s", reported[1].Stack)
	}
	var pe *emitter.PanicError
	if !errors.As(err, &pe) || pe != reported[0] {
		t.Fatalf("errors.As(err) = %v, want first PanicError", pe)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("joined errors = %d, want 3", n)
	}
	if want := `emitter: listener for "a" panicked: boom`; reported[1].Error() != want {
		t.Errorf("Error() = %q, want %q", reported[1].Error(), want)
	}
}

func TestPanicWithoutHook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		emit func(e *emitter.Emitter[int]) error
	}{
		{"reserved", func(e *emitter.Emitter[int]) error {
			e.On("connect", func(int) { panic(nil) })
			_, err := e.EmitReserved("connect", 0)
			return err
		}},
		{"outgoing", func(e *emitter.Emitter[int]) error {
			e.OnAnyOutgoing(func(string, int) { panic(1) })
			return e.EmitOutgoing("x", 0)
		}},
		{"once", func(e *emitter.Emitter[int]) error {
			e.Once("x", func(int) { panic(2) })
			_, err := e.Emit("x", 0)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e emitter.Emitter[int]
			var pe *emitter.PanicError
			if err := tt.emit(&e); !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PanicError", err)
			}
		})
	}
}

func TestRemoveAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		events      []string
		wantNames   []string
		wantRemoved []string
	}{
		{"all", nil, []string{}, []string{"a", "a", "b", "c"}},
		{"one", []string{"a"}, []string{"b", "c"}, []string{"a", "a"}},
		{"two", []string{"c", "b"}, []string{"a"}, []string{"b", "c"}},
		{"missing", []string{"zzz"}, []string{"a", "b", "c"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e emitter.Emitter[int]
			var added, removed []string
			e.OnNewListener = func(ev string) { added = append(added, ev) }
			e.OnRemoveListener = func(ev string) { removed = append(removed, ev) }
			var r recorder
			e.On("a", r.fn("a1"))
			e.Once("a", r.fn("a2"))
			e.Prepend("b", r.fn("b"))
			e.On("c", r.fn("c"))
			e.OnAny(r.anyFn("any"))
			if want := []string{"a", "a", "b", "c"}; !slices.Equal(added, want) {
				t.Fatalf("OnNewListener calls = %q, want %q", added, want)
			}
			e.RemoveAll(tt.events...)
			if got := e.EventNames(); !slices.Equal(got, tt.wantNames) {
				t.Errorf("EventNames = %q, want %q", got, tt.wantNames)
			}
			if !slices.Equal(removed, tt.wantRemoved) {
				t.Errorf("OnRemoveListener calls = %q, want %q", removed, tt.wantRemoved)
			}
			if e.AnyCount() != 1 {
				t.Errorf("RemoveAll touched any-listeners")
			}
		})
	}
}

func TestZeroValueQueries(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[string]
	if e.ListenerCount("a") != 0 || e.AnyCount() != 0 || len(e.EventNames()) != 0 {
		t.Error("zero Emitter is not empty")
	}
	e.OffAny()
	e.OffAnyOutgoing()
	e.RemoveAll()
	if called, err := e.Emit("a", "x"); called || err != nil {
		t.Errorf("Emit on zero = %v, %v", called, err)
	}
}

// TestConcurrentChurn runs On, Off, Once and Emit concurrently (for -race)
// and checks that listeners that were never removed see every emit made
// after they were added.
func TestConcurrentChurn(t *testing.T) {
	t.Parallel()
	var e emitter.Emitter[int]
	var stable atomic.Int64
	e.On("a", func(int) { stable.Add(1) })
	const workers, ops = 8, 500
	var emits atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range ops {
				switch (w + i) % 4 {
				case 0:
					off := e.On("a", func(int) {})
					off()
				case 1:
					off := e.OnAny(func(string, int) {})
					e.Emit("b", i)
					off()
				case 2:
					e.Once("a", func(int) {})
					_ = e.ListenerCount("a")
					_ = e.EventNames()
				default:
					if _, err := e.Emit("a", i); err != nil {
						t.Error(err)
					}
					emits.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if stable.Load() != emits.Load() {
		t.Errorf("stable listener saw %d of %d emits", stable.Load(), emits.Load())
	}
}
