package redisadapter_test

import (
	"net"
	"os"
	"testing"
	"time"
)

// redisAddr returns REDIS_ADDR (default 127.0.0.1:6379), skipping the test
// when nothing listens there, or failing when SOCKBUS_REQUIRE_PEERS=1.
func redisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		msg := "Redis unreachable at " + addr + " (" + err.Error() + `); start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`
		if os.Getenv("SOCKBUS_REQUIRE_PEERS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	_ = c.Close()
	return addr
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
