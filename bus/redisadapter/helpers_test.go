package redisadapter

import (
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/bus/adaptertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const redisHelp = `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`

// redisAddr returns REDIS_ADDR (default 127.0.0.1:6379), skipping the test
// when nothing listens there, or failing when SOCKBUS_REQUIRE_PEERS=1.
func redisAddr(t testing.TB) string {
	t.Helper()
	return adaptertest.Peer(t, "Redis", "REDIS_ADDR", "127.0.0.1:6379", redisHelp)
}

// newClient returns a client for the test Redis, closed at cleanup.
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redisAddr(t)})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// uniquePrefix returns a key prefix of its own for a test.
func uniquePrefix(t testing.TB) string {
	return "sockbus-test-" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + "-" + randomID(6)
}

// memBroker is an in-memory broker: PUBLISH, NUMSUB and (prefix-pattern)
// subscriptions, without Redis.
type memBroker struct {
	mu   sync.Mutex
	subs map[*memSub]bool
	down bool // simulate an outage: publish and numsub fail
}

func newMemBroker() *memBroker { return &memBroker{subs: make(map[*memSub]bool)} }

type memMsg struct {
	channel string
	payload []byte
}

type memSub struct {
	b        *memBroker
	prefix   string // of the pattern, which ends in '*'
	channels map[string]bool
	ch       chan memMsg
	done     chan struct{}
	once     sync.Once
}

var errDown = &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}

func (b *memBroker) publish(_ context.Context, msgs ...message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return errDown
	}
	for _, m := range msgs {
		b.deliver(m.channel, m.payload)
	}
	return nil
}

func (b *memBroker) deliver(channel string, msg []byte) {
	for s := range b.subs {
		if s.channels[channel] || strings.HasPrefix(channel, s.prefix) {
			select {
			case s.ch <- memMsg{channel, append([]byte(nil), msg...)}:
			case <-s.done:
			}
		}
	}
}

func (b *memBroker) numsub(_ context.Context, channel string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return 0, errDown
	}
	n := 0
	for s := range b.subs {
		if s.channels[channel] {
			n++
		}
	}
	return n, nil
}

func (b *memBroker) subscribe(_ context.Context, pattern string, channels ...string) (subscription, error) {
	s := &memSub{b: b, prefix: strings.TrimSuffix(pattern, "*"), channels: map[string]bool{},
		ch: make(chan memMsg, 1024), done: make(chan struct{})}
	for _, c := range channels {
		s.channels[c] = true
	}
	b.mu.Lock()
	b.subs[s] = true
	b.mu.Unlock()
	return s, nil
}

func (b *memBroker) release() error { return nil }

func (s *memSub) receive(ctx context.Context) (string, []byte, error) {
	select {
	case m := <-s.ch:
		return m.channel, m.payload, nil
	case <-s.done:
		return "", nil, context.Canceled
	case <-ctx.Done():
		return "", nil, ctx.Err()
	}
}

func (s *memSub) close() error {
	s.once.Do(func() {
		s.b.mu.Lock()
		delete(s.b.subs, s)
		s.b.mu.Unlock()
		close(s.done)
	})
	return nil
}
