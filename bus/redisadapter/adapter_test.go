package redisadapter

import (
	"testing"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
)

// TestConformanceMemory runs the adapter conformance suite over the
// in-memory broker (no Redis needed).
func TestConformanceMemory(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T, n int) []bus.AdapterFactory {
		b := newMemBroker()
		out := make([]bus.AdapterFactory, n)
		for i := range out {
			out[i] = New(Config{broker: b})
		}
		return out
	})
}

// TestConformanceRedis runs the conformance suite over the real Redis,
// each cluster under a prefix of its own.
func TestConformanceRedis(t *testing.T) {
	client := newClient(t)
	adaptertest.Run(t, func(t *testing.T, n int) []bus.AdapterFactory {
		prefix := uniquePrefix(t)
		out := make([]bus.AdapterFactory, n)
		for i := range out {
			if i == 0 {
				// One server on a client of its own, made from Addr.
				out[i] = New(Config{Addr: redisAddr(t), Prefix: prefix})
				continue
			}
			out[i] = New(Config{Client: client, Prefix: prefix})
		}
		return out
	})
}
