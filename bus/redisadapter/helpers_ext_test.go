package redisadapter_test

import (
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus/adaptertest"
	"github.com/sockbus/sockbus/bus/redisadapter"
)

var redisAddr = redisadapter.RedisAddr

// waitFor polls cond until it is true, failing t after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	adaptertest.WaitFor(t, 10*time.Second, what, cond)
}
