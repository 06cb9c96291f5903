package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/bus"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func args(s string) *bus.Args { return &bus.Args{Raw: []json.RawMessage{json.RawMessage(s)}} }

func TestCollect(t *testing.T) {
	t.Parallel()
	s1, s2 := bus.SocketInfo{ID: "s1"}, bus.SocketInfo{ID: "s2"}
	all := []Response{
		{Sockets: []bus.SocketInfo{s1}, Rooms: []string{"a", "b"}, Ack: args(`1`)},
		{Sockets: []bus.SocketInfo{s2}, Rooms: []string{"b", "c", "a"}},
		{Rooms: []string{"c"}, Ack: args(`3`)},
	}
	tests := []struct {
		name string
		kind Kind
		want Result
	}{
		{"fetch sockets keeps sockets", FetchSockets, Result{Sockets: []bus.SocketInfo{s1, s2}, Got: 3, Want: 3}},
		{"all rooms keeps rooms once", AllRooms, Result{Rooms: []string{"a", "b", "c"}, Got: 3, Want: 3}},
		{"server-side emit keeps acks", ServerSideEmit, Result{Acks: []bus.Args{*args(`1`), *args(`3`)}, Got: 3, Want: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewRequests()
			q, err := r.Open("id", tc.kind, len(all))
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			for _, resp := range all {
				if !r.Collect("id", resp) {
					t.Fatal("response not counted")
				}
			}
			if r.Collect("id", all[0]) {
				t.Error("response beyond want counted")
			}
			got, err := q.Wait(context.Background(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
		})
	}
}

func TestCollectUnknown(t *testing.T) {
	t.Parallel()
	r := NewRequests()
	if r.Collect("nobody", Response{Rooms: []string{"a"}}) {
		t.Error("response to an unknown request counted")
	}
	q, err := r.Open("id", AllRooms, 1)
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
	if r.Collect("id", Response{Rooms: []string{"a"}}) {
		t.Error("response to a closed request counted")
	}
}

func TestWaiting(t *testing.T) {
	t.Parallel()
	r := NewRequests()
	q, err := r.Open("id", AllRooms, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Waiting("id") {
		t.Error("open request not waiting")
	}
	if r.Waiting("other") {
		t.Error("unknown request waiting")
	}
	r.Collect("id", Response{})
	if r.Waiting("id") {
		t.Error("complete request still waiting")
	}
	q.Close()
}

// TestWaitIncomplete checks the three ways a wait ends early: each returns
// its error and a copy of what arrived.
func TestWaitIncomplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		timeout time.Duration
		end     func(r *Requests, cancel context.CancelFunc)
		want    error
	}{
		{"ctx", time.Minute, func(_ *Requests, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"close", time.Minute, func(r *Requests, _ context.CancelFunc) { r.Close() }, ErrClosed},
		{"timeout", time.Millisecond, func(*Requests, context.CancelFunc) {}, ErrTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := NewRequests()
			q, err := r.Open("id", AllRooms, 2)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			r.Collect("id", Response{Rooms: []string{"a"}})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tc.end(r, cancel)
			got, err := q.Wait(ctx, tc.timeout)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			want := Result{Rooms: []string{"a"}, Got: 1, Want: 2}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
			// The copy does not change with later responses.
			r.Collect("id", Response{Rooms: []string{"b"}})
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("result changed after Wait (-want +got):\n%s", d)
			}
		})
	}
}

// TestWaitConcurrent collects from many goroutines while the owner waits.
func TestWaitConcurrent(t *testing.T) {
	t.Parallel()
	const n = 50
	r := NewRequests()
	q, err := r.Open("id", FetchSockets, n)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var wg sync.WaitGroup
	for range 2 * n {
		wg.Go(func() { r.Collect("id", Response{Sockets: []bus.SocketInfo{{ID: "s"}}}) })
	}
	got, err := q.Wait(context.Background(), time.Minute)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got.Got != n || len(got.Sockets) != n {
		t.Errorf("got %d responses, %d sockets, want %d", got.Got, len(got.Sockets), n)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	r := NewRequests()
	if err := r.OpenAck("a", time.Minute, AckHandler{}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close() // idempotent
	if r.Ack("a") != nil {
		t.Error("ack handler kept after Close")
	}
	if _, err := r.Open("id", AllRooms, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close: %v", err)
	}
	if err := r.OpenAck("b", time.Minute, AckHandler{}); !errors.Is(err, ErrClosed) {
		t.Errorf("OpenAck after Close: %v", err)
	}
}

func TestAcks(t *testing.T) {
	t.Parallel()
	r := NewRequests()
	var counts []int
	if err := r.OpenAck("a", time.Minute, AckHandler{ClientCount: func(n int) { counts = append(counts, n) }}); err != nil {
		t.Fatal(err)
	}
	h := r.Ack("a")
	if h == nil {
		t.Fatal("no handler")
	}
	h.ClientCount(3)
	if d := cmp.Diff([]int{3}, counts); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	if r.Ack("b") != nil {
		t.Error("handler for an unknown id")
	}
	r.DropAck("a")
	if r.Ack("a") != nil {
		t.Error("handler kept after DropAck")
	}
}

func TestAckExpires(t *testing.T) {
	t.Parallel()
	r := NewRequests()
	if err := r.OpenAck("a", time.Millisecond, AckHandler{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.Ack("a") != nil {
		if time.Now().After(deadline) {
			t.Fatal("handler kept after its timeout")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAckTimeout(t *testing.T) {
	t.Parallel()
	deadline, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		flag     time.Duration
		min, max time.Duration
	}{
		{"flag wins", deadline, time.Second, time.Second, time.Second},
		{"ctx deadline", deadline, 0, 59 * time.Minute, time.Hour},
		{"requests timeout", context.Background(), 0, 5 * time.Second, 5 * time.Second},
		{"negative flag ignored", context.Background(), -time.Second, 5 * time.Second, 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := AckTimeout(tc.ctx, tc.flag, 5*time.Second); got < tc.min || got > tc.max {
				t.Errorf("AckTimeout = %v, want in [%v, %v]", got, tc.min, tc.max)
			}
		})
	}
}

func TestNonNil(t *testing.T) {
	t.Parallel()
	if got := NonNil[string](nil); got == nil || len(got) != 0 {
		t.Errorf("NonNil(nil) = %#v", got)
	}
	in := []string{"a"}
	if got := NonNil(in); &got[0] != &in[0] {
		t.Error("NonNil copied a non-nil slice")
	}
}
