package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// outbound is one message for the publisher goroutine. done, when non-nil,
// receives the outcome; buf, when non-nil, goes back to the pool once sent.
type outbound struct {
	channel string
	msg     []byte
	buf     *[]byte
	done    chan error
}

// Publisher queue bounds.
const (
	queueSize = 4096 // messages waiting for the publisher goroutine
	maxBatch  = 256  // messages per pipeline
)

// publisher sends every message of the adapter, in order, pipelining what
// accumulated while the previous batch was in flight (as node-redis
// auto-pipelines). Owned by the adapter, stopped by Close.
func (a *adapter) publisher() {
	defer a.wg.Done()
	batch := make([]outbound, 0, maxBatch)
	msgs := make([]message, 0, maxBatch)
	for {
		select {
		case o := <-a.queue:
			batch = append(batch[:0], o)
		case <-a.ctx.Done():
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case o := <-a.queue:
				batch = append(batch, o)
			default:
				break drain
			}
		}
		msgs = msgs[:0]
		for _, o := range batch {
			if o.msg != nil { // nil: a flush marker
				msgs = append(msgs, message{o.channel, o.msg})
			}
		}
		var err error
		if len(msgs) > 0 {
			ctx, cancel := context.WithTimeout(a.ctx, a.cfg.RequestsTimeout)
			err = a.b.publish(ctx, msgs...)
			cancel()
			a.setPublishErr(err)
		}
		for i, o := range batch {
			if o.done != nil {
				o.done <- err
			}
			if o.buf != nil {
				putBuf(o.buf)
			}
			batch[i] = outbound{}
		}
	}
}

// flush waits until what is queued now has been published (or failed),
// up to the requests timeout.
func (a *adapter) flush() {
	ctx, cancel := context.WithTimeout(a.ctx, a.cfg.RequestsTimeout)
	defer cancel()
	done := make(chan error, 1)
	if a.enqueue(ctx, outbound{done: done}) != nil {
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// setPublishErr records the outcome of the last batch, logging changes.
func (a *adapter) setPublishErr(err error) {
	a.mu.Lock()
	was := a.publishErr
	a.publishErr = err
	a.mu.Unlock()
	switch {
	case err != nil && was == nil && a.ctx.Err() == nil:
		a.log.Error("redisadapter: publishing failed", "err", err)
	case err == nil && was != nil:
		a.log.Info("redisadapter: publishing restored")
	}
}

// healthy reports whether the last batch was published.
func (a *adapter) healthy() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.publishErr == nil
}

// enqueue hands o to the publisher, waiting for room up to the requests
// timeout.
func (a *adapter) enqueue(ctx context.Context, o outbound) error {
	select {
	case a.queue <- o:
		return nil
	default:
	}
	t := time.NewTimer(a.cfg.RequestsTimeout)
	defer t.Stop()
	select {
	case a.queue <- o:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-a.ctx.Done():
		return ErrClosed
	case <-t.C:
		return fmt.Errorf("publish queue full for %v", a.cfg.RequestsTimeout)
	}
}

// publish sends msg on channel after every message queued before it and
// waits for the outcome.
func (a *adapter) publish(ctx context.Context, channel string, msg []byte) error {
	if a.isClosed() {
		return ErrClosed
	}
	done := make(chan error, 1)
	err := a.enqueue(ctx, outbound{channel: channel, msg: msg, done: done})
	if err == nil {
		select {
		case err = <-done:
		case <-ctx.Done():
			err = ctx.Err()
		case <-a.ctx.Done():
			err = ErrClosed
		}
	}
	if err != nil {
		return a.redisErr(ctx, "publish on "+channel, err)
	}
	return nil
}

// publishAsync queues a broadcast without waiting (the buffer is returned
// to the pool once sent). While publishing fails it waits for the outcome
// instead, so that callers see the error.
func (a *adapter) publishAsync(ctx context.Context, channel string, buf *[]byte) error {
	if !a.healthy() {
		defer putBuf(buf)
		return a.publish(ctx, channel, *buf)
	}
	if a.isClosed() {
		putBuf(buf)
		return ErrClosed
	}
	if err := a.enqueue(ctx, outbound{channel: channel, msg: *buf, buf: buf}); err != nil {
		putBuf(buf)
		return a.redisErr(ctx, "publish on "+channel, err)
	}
	return nil
}

// redisErr wraps an error of a Redis command bounded by the requests
// timeout, saying so when that timeout (not the caller's ctx) expired.
func (a *adapter) redisErr(ctx context.Context, op string, err error) error {
	if errors.Is(err, ErrClosed) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("redisadapter: %s: Redis unreachable (no answer within %v): %w", op, a.cfg.RequestsTimeout, err)
	}
	return fmt.Errorf("redisadapter: %s: %w", op, err)
}
