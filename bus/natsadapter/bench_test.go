package natsadapter

import (
	"fmt"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
)

// BenchmarkCrossServerBroadcast measures broadcasts from one server
// delivered to a client of another server through NATS (msgs/s counts
// deliveries at the remote client).
func BenchmarkCrossServerBroadcast(b *testing.B) {
	u := natsURL(b)
	prefix := fmt.Sprintf("sockbusbench%d", time.Now().UnixNano())
	adaptertest.BenchmarkBroadcast(b, func() bus.AdapterFactory { return New(Config{URL: u, Prefix: prefix}) })
}
