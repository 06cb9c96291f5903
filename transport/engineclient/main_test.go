package engineclient

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/transport"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// recorder is a transport.Handler that reports what it sees on channels.
type recorder struct {
	opened chan transport.Handshake
	msgs   chan *transport.Message
	closed chan error
	refuse error
}

func newRecorder() *recorder {
	return &recorder{
		opened: make(chan transport.Handshake, 1),
		msgs:   make(chan *transport.Message, 10000),
		closed: make(chan error, 1),
	}
}

func (r *recorder) OnOpen(_ transport.Conn, h transport.Handshake) error {
	r.opened <- h
	return r.refuse
}

func (r *recorder) OnMessage(_ transport.Conn, m *transport.Message) { r.msgs <- m }

func (r *recorder) OnClose(_ transport.Conn, reason error) { r.closed <- reason }

const wait = 10 * time.Second

// next returns the next message or fails the test.
func (r *recorder) next(t *testing.T) *transport.Message {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case err := <-r.closed:
		t.Fatalf("closed while waiting for a message: %v", err)
	case <-time.After(wait):
		t.Fatal("no message")
	}
	return nil
}

// closeReason waits for OnClose.
func (r *recorder) closeReason(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.closed:
		return err
	case <-time.After(wait):
		t.Fatal("OnClose not called")
	}
	return nil
}

// closeAndWait closes c and waits for OnClose and for the session goroutine.
func closeAndWait(t *testing.T, c transport.Conn, r *recorder) {
	t.Helper()
	_ = c.Close(nil)
	if err := r.closeReason(t); !errors.Is(err, transport.ErrForcedClose) && !errors.Is(err, transport.ErrTransportClose) {
		t.Errorf("close reason = %v", err)
	}
	if ec, ok := c.(*conn); ok {
		<-ec.done
	}
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// echoRoundTrip sends n messages, alternating text and binary, while calling
// between after half of them, and checks the echoes come back in order,
// exactly once.
func echoRoundTrip(t *testing.T, c transport.Conn, r *recorder, n int, between func()) {
	t.Helper()
	for i := range n {
		if i == n/2 && between != nil {
			between()
		}
		m := transport.NewMessage(fmt.Appendf(nil, "msg %d é", i), i%2 == 1)
		if err := c.Send(m); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	for i := range n {
		m := r.next(t)
		want := fmt.Sprintf("msg %d é", i)
		if string(m.Data) != want || m.Binary != (i%2 == 1) {
			t.Fatalf("echo %d = %q binary=%v, want %q binary=%v", i, m.Data, m.Binary, want, i%2 == 1)
		}
	}
}

func dial(t *testing.T, d *Dialer, r *recorder) *conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := d.Dial(ctx, r)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c.(*conn)
}
