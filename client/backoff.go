package client

import (
	"math"
	"math/rand/v2"
	"time"
)

// backoff computes reconnection delays exactly as socket.io-client's Backoff
// (contrib/backo2): min * factor^attempts, then with jitter j a deviation of
// floor(r*j*ms) added when floor(r*10) is odd and subtracted when even (one
// random r for both), capped at max and truncated to whole milliseconds.
// It is not safe for concurrent use.
type backoff struct {
	min, max time.Duration
	factor   float64
	jitter   float64
	rand     func() float64
	attempts int
}

func newBackoff(cfg Config) *backoff {
	r := cfg.rand
	if r == nil {
		r = rand.Float64
	}
	return &backoff{min: cfg.ReconnectionDelay, max: cfg.ReconnectionDelayMax, factor: 2, jitter: cfg.RandomizationFactor, rand: r}
}

// duration returns the next delay and counts the attempt.
func (b *backoff) duration() time.Duration {
	ms := float64(b.min.Milliseconds()) * math.Pow(b.factor, float64(b.attempts))
	b.attempts++
	if b.jitter > 0 {
		r := b.rand()
		dev := math.Floor(r * b.jitter * ms)
		if int64(math.Floor(r*10))&1 == 0 {
			ms -= dev
		} else {
			ms += dev
		}
	}
	maxMS := float64(b.max.Milliseconds())
	if math.IsNaN(ms) || ms > maxMS {
		ms = maxMS
	}
	return time.Duration(math.Trunc(ms)) * time.Millisecond
}

func (b *backoff) reset() { b.attempts = 0 }
