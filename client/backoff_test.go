package client

import (
	"context"
	"testing"
	"time"

	"github.com/sockbus/sockbus/transport"
)

// TestBackoffMatchesJS compares with socket.io-client's Backoff (contrib/backo2.js)
// run under Node with Math.random replaced by the same sequence; the wanted
// values are Node's output.
func TestBackoffMatchesJS(t *testing.T) {
	t.Parallel()
	rands := []float64{0.25, 0.35, 0.0, 0.999, 0.5, 0.61, 0.07, 0.18, 0.42, 0.93}
	tests := []struct {
		name     string
		min, max int
		jitter   float64
		want     []int
	}{
		{"defaults", 1000, 5000, 0.5, []int{875, 2350, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000}},
		{"no jitter", 1000, 5000, -1, []int{1000, 2000, 4000, 5000, 5000, 5000}},
		{"full jitter", 100, 100000, 1, []int{75, 270, 400, 1599, 2400, 1248, 5952, 15104, 14848, 98816}},
		{"small", 10, 1000, 0.3, []int{10, 22, 40, 103, 184, 262, 627, 1000, 1000, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			i := 0
			cfg, err := Config{
				Dial:                 func(context.Context, transport.Handler) (transport.Conn, error) { return nil, nil },
				ReconnectionDelay:    time.Duration(tt.min) * time.Millisecond,
				ReconnectionDelayMax: time.Duration(tt.max) * time.Millisecond,
				RandomizationFactor:  tt.jitter,
			}.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			cfg.rand = func() float64 { r := rands[i%len(rands)]; i++; return r }
			b := newBackoff(cfg)
			for n, w := range tt.want {
				if got := b.duration(); got != time.Duration(w)*time.Millisecond {
					t.Fatalf("attempt %d: got %v, want %dms", n, got, w)
				}
			}
			if b.attempts != len(tt.want) {
				t.Fatalf("attempts = %d, want %d", b.attempts, len(tt.want))
			}
			b.reset()
			if got, w := b.duration(), time.Duration(tt.want[0])*time.Millisecond; got != w && tt.jitter <= 0 {
				t.Fatalf("after reset: got %v, want %v", got, w)
			}
		})
	}
}

func TestBackoffHuge(t *testing.T) {
	t.Parallel()
	b := &backoff{min: time.Second, max: 5 * time.Second, factor: 2, jitter: 0.5, rand: func() float64 { return 0 }, attempts: 5000}
	if got := b.duration(); got != 5*time.Second {
		t.Fatalf("got %v, want the cap", got)
	}
}
