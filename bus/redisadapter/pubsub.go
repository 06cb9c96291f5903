package redisadapter

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// broker is the publish/subscribe seam between the adapter and Redis; tests
// swap in an in-memory one.
type broker interface {
	// publish sends the messages in order (one pipeline for Redis) and
	// returns the first error.
	publish(ctx context.Context, msgs ...message) error
	// numsub returns the number of subscribers of channel (PUBSUB NUMSUB).
	numsub(ctx context.Context, channel string) (int, error)
	// subscribe starts a subscription to pattern and channels. It succeeds
	// even when the server is unreachable: receive then reports errors
	// until the subscription is re-established.
	subscribe(ctx context.Context, pattern string, channels ...string) (subscription, error)
	// release drops one user of the broker (see Config.Client).
	release() error
}

// subscription delivers messages of a subscription. receive is called
// from one goroutine; close may be called from any and makes receive fail.
type subscription interface {
	receive(ctx context.Context) (channel string, payload []byte, err error)
	close() error
}

// redisBroker implements broker on go-redis.
type redisBroker struct {
	c    redis.UniversalClient
	done func() error // releases c
}

func (b *redisBroker) release() error { return b.done() }

// message is one PUBLISH.
type message struct {
	channel string
	payload []byte
}

func (b *redisBroker) publish(ctx context.Context, msgs ...message) error {
	if len(msgs) == 1 {
		return b.c.Publish(ctx, msgs[0].channel, msgs[0].payload).Err()
	}
	_, err := b.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range msgs {
			p.Publish(ctx, m.channel, m.payload)
		}
		return nil
	})
	return err
}

func (b *redisBroker) numsub(ctx context.Context, channel string) (int, error) {
	m, err := b.c.PubSubNumSub(ctx, channel).Result()
	if err != nil {
		return 0, err
	}
	return int(m[channel]), nil
}

func (b *redisBroker) subscribe(ctx context.Context, pattern string, channels ...string) (subscription, error) {
	ps := b.c.PSubscribe(ctx)
	// Errors are remembered by PubSub, which subscribes again on reconnect.
	errP := ps.PSubscribe(ctx, pattern)
	errC := ps.Subscribe(ctx, channels...)
	return &redisSub{ps: ps}, errors.Join(errP, errC)
}

// pingEvery is how long a subscription waits for a message before checking
// the connection with a PING.
const pingEvery = 15 * time.Second

type redisSub struct{ ps *redis.PubSub }

func (s *redisSub) receive(ctx context.Context) (string, []byte, error) {
	for {
		msg, err := s.ps.ReceiveTimeout(ctx, pingEvery)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if err := s.ps.Ping(ctx); err != nil {
					return "", nil, err
				}
				continue
			}
			return "", nil, err
		}
		if m, ok := msg.(*redis.Message); ok {
			return m.Channel, []byte(m.Payload), nil
		}
	}
}

func (s *redisSub) close() error { return s.ps.Close() }

// sharedClient is the client New creates from Config.Addr, shared by the
// namespaces of the factory and closed with the last one.
type sharedClient struct {
	addr string
	mu   sync.Mutex
	refs int
	c    *redis.Client
}

func (s *sharedClient) acquire() redis.UniversalClient {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		s.c = redis.NewClient(&redis.Options{Addr: s.addr})
	}
	s.refs++
	return s.c
}

func (s *sharedClient) release() error {
	s.mu.Lock()
	s.refs--
	var c *redis.Client
	if s.refs == 0 {
		c, s.c = s.c, nil
	}
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.Close()
}
