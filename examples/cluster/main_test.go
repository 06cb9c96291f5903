package main

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		msg := "Redis unreachable at " + addr + `; start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`
		if os.Getenv("SOCKBUS_REQUIRE_PEERS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	} else {
		_ = c.Close()
	}
	var out strings.Builder
	if err := run(&out, addr); err != nil {
		t.Fatal(err)
	}
	want := `servers in the cluster: 2
client on A got ["hello","from server A"]
client on B got ["hello","from server A"]
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
