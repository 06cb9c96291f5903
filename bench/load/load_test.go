package main

import (
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	t.Parallel()
	for _, us := range []uint64{0, 1, 31, 32, 33, 63, 64, 100, 1000, 12345, 1 << 20, 1<<40 + 7} {
		i := bucketOf(us)
		if up := bucketUpper(i); up < us {
			t.Errorf("bucketUpper(bucketOf(%d)) = %d, below the value", us, up)
		}
		if i > 0 && bucketUpper(i-1) >= us {
			t.Errorf("value %d also fits bucket %d (upper %d)", us, i-1, bucketUpper(i-1))
		}
		if up := bucketUpper(i); us >= 64 && float64(up-us) > 0.04*float64(us) {
			t.Errorf("bucket of %d is too wide: upper %d", us, up)
		}
	}
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	var h histogram
	if got := h.quantile(0.5); got != 0 {
		t.Fatalf("empty quantile = %v, want 0", got)
	}
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	tests := []struct {
		q, want float64 // ms
	}{{0.5, 500}, {0.99, 990}, {1, 1000}}
	for _, tc := range tests {
		got := h.quantile(tc.q)
		if got < tc.want || got > tc.want*1.04 {
			t.Errorf("quantile(%v) = %v ms, want %v ms within 4%%", tc.q, got, tc.want)
		}
	}
	if got := h.max.Load(); got != 1_000_000 {
		t.Errorf("max = %d us, want 1000000", got)
	}
}

func TestParseStamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		ts, seq int64
		ok      bool
	}{
		{"event", `42["msg","123:7:xxxx"]`, 123, 7, true},
		{"ack", `["99:0:x"]`, 99, 0, true},
		{"spaces", `42[ "msg" , "5:6:" ]`, 5, 6, true},
		{"no stamp", `42["msg","abc"]`, 0, 0, false},
		{"missing seq", `42["msg","123:"]`, 0, 0, false},
		{"truncated", `42["msg","123:4`, 0, 0, false},
		{"empty", ``, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, seq, ok := parseStamp([]byte(tc.in))
			if ok != tc.ok || ts != tc.ts || seq != tc.seq {
				t.Errorf("parseStamp(%q) = %d, %d, %v; want %d, %d, %v", tc.in, ts, seq, ok, tc.ts, tc.seq, tc.ok)
			}
		})
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	for _, size := range []int{32, 100, 1000} {
		p := payload([]byte(`42["bcast","`), 123456789, 42, size)
		body := p[len(`42["bcast","`):]
		if len(body) != size {
			t.Errorf("payload size %d: got %d bytes", size, len(body))
		}
		ts, seq, ok := parseStamp(append(p, `"]`...))
		if !ok || ts != 123456789 || seq != 42 {
			t.Errorf("payload size %d: parseStamp = %d, %d, %v", size, ts, seq, ok)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	c := config{n: 100, tolerance: 0.99, scenario: "bcast"}
	tests := []struct {
		name string
		res  result
		ok   bool
	}{
		{"all delivered", result{Expected: 1000, Delivered: 1000}, true},
		{"within tolerance", result{Expected: 1000, Delivered: 991}, true},
		{"missing deliveries", result{Expected: 1000, Delivered: 980}, false},
		{"nothing sent", result{}, false},
		{"disconnects", result{Expected: 10, Delivered: 10, Disconnects: 2}, false},
		{"malformed", result{Expected: 10, Delivered: 10, Malformed: 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := tc.res
			if err := check(c, &res); (err == nil) != tc.ok {
				t.Errorf("check = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestGrowth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		series      [][2]int64
		peak        int64
		first, grew int64
	}{
		{"no samples", nil, 500, 0, 0},
		{"rises", [][2]int64{{0, 100}, {100, 150}, {200, 130}}, 150, 100, 50},
		{"final reading above series", [][2]int64{{0, 100}, {100, 120}}, 170, 100, 70},
		{"peak below series max", [][2]int64{{0, 100}, {100, 180}}, 0, 100, 80},
		{"only falls", [][2]int64{{0, 200}, {100, 150}}, 200, 200, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first, grew := growth(tc.series, tc.peak)
			if first != tc.first || grew != tc.grew {
				t.Errorf("growth = %d, %d; want %d, %d", first, grew, tc.first, tc.grew)
			}
		})
	}
}

func TestCheckSlowBaseline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		baseline bool
		res      result
		ok       bool
	}{
		{"baseline reader kept up", true, result{Expected: 10, Delivered: 10, FloodSent: 300, FloodRecv: 300}, true},
		{"baseline reader fell behind", true, result{Expected: 10, Delivered: 10, FloodSent: 300, FloodRecv: 200}, false},
		{"stalled reader reads nothing", false, result{Expected: 10, Delivered: 10, FloodSent: 300}, true},
		{"slow client may be dropped", false, result{Expected: 10, Delivered: 10, Disconnects: 1}, true},
		{"others may not be dropped", false, result{Expected: 10, Delivered: 10, Disconnects: 3}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := config{n: 100, tolerance: 0.99, scenario: "slow", baseline: tc.baseline}
			res := tc.res
			if err := check(c, &res); (err == nil) != tc.ok {
				t.Errorf("check = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
