package natsadapter

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const natsHelp = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server"

// natsURL returns NATS_URL (default nats://127.0.0.1:4222), skipping the
// test when nothing listens there, or failing when SOCKBUS_REQUIRE_PEERS=1.
func natsURL(t testing.TB) string {
	t.Helper()
	return adaptertest.Peer(t, "NATS", "NATS_URL", "nats://127.0.0.1:4222", natsHelp)
}

// connect returns a connection to natsURL, closed at cleanup.
func connect(t testing.TB) (*nats.Conn, string) {
	t.Helper()
	u := natsURL(t)
	nc, err := nats.Connect(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, u
}

// waitFor polls cond until it is true, failing t after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	adaptertest.WaitFor(t, 10*time.Second, what, cond)
}

func TestConformance(t *testing.T) {
	nc, u := connect(t)
	adaptertest.Run(t, func(t *testing.T, n int) []bus.AdapterFactory {
		prefix := "sockbustest" + requestID()
		out := make([]bus.AdapterFactory, n)
		for i := range out {
			cfg := Config{Conn: nc, Prefix: prefix}
			if i == 0 {
				cfg = Config{URL: u, Prefix: prefix} // a connection of its own
			}
			out[i] = New(cfg)
		}
		return out
	})
}

// TestHeartbeat checks membership: a server that stops talking is dropped
// after the heartbeat timeout, and Close is announced at once.
func TestHeartbeat(t *testing.T) {
	u := natsURL(t)
	prefix := "sockbustest" + requestID()
	fast := Config{URL: u, Prefix: prefix, HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 200 * time.Millisecond}
	s1, err := bus.NewServer(bus.Config{NewAdapter: New(fast)})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := bus.NewServer(bus.Config{NewAdapter: New(fast)})
	if err != nil {
		t.Fatal(err)
	}
	count := func(s *bus.Server) int {
		n, _ := s.Of("/").ServerCount(context.Background())
		return n
	}
	waitFor(t, "2 servers", func() bool { return count(s1) == 2 && count(s2) == 2 })
	// A silent node: subscribe as a third server, say hello once, never again.
	nc, _ := connect(t)
	silent := &adapter{uid: "0123456789abcdef", nsp: "/", nc: nc, subject: prefix + "./"}
	if err := silent.publish(silent.subject, initialHeartbeat, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "silent node counted", func() bool { return count(s1) == 3 })
	waitFor(t, "silent node dropped", func() bool { return count(s1) == 2 })
	_ = s2.Close()
	waitFor(t, "closed server dropped", func() bool { return count(s1) == 1 })
}

func TestClosed(t *testing.T) {
	u := natsURL(t)
	s, err := bus.NewServer(bus.Config{NewAdapter: New(Config{URL: u, Prefix: "sockbustest" + requestID()})})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Of("/").Adapter()
	_ = s.Close()
	_ = a.Close()
	if _, err := a.ServerCount(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("server count after close: %v", err)
	}
}

func TestSubjectToken(t *testing.T) {
	for in, want := range map[string]string{"/": "/", "/admin": "/admin", "/a.b": "~L2EuYg", "/x y": "~L3ggeQ"} {
		if got := subjectToken(in); got != want {
			t.Errorf("subjectToken(%q) = %q, want %q", in, got, want)
		}
	}
}
