package redisadapter_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
	"github.com/sockbus/sockbus/bus/redisadapter"
)

// BenchmarkCrossServerBroadcast measures broadcasts from one server
// delivered to a client of another server through Redis (msgs/s counts
// deliveries at the remote client).
func BenchmarkCrossServerBroadcast(b *testing.B) {
	addr := redisAddr(b)
	prefix := fmt.Sprintf("sockbus-bench-%d", time.Now().UnixNano())
	adaptertest.BenchmarkBroadcast(b, func() bus.AdapterFactory {
		return redisadapter.New(redisadapter.Config{Addr: addr, Prefix: prefix})
	})
}
