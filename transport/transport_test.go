package transport_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFramedBuildsOncePerFraming(t *testing.T) {
	t.Parallel()
	a, b := transport.NewFraming(), transport.NewFraming()
	m := transport.NewMessage([]byte("x"), false)
	var mu sync.Mutex
	builds := map[transport.Framing]int{}
	build := func(f transport.Framing, prefix string) func(*transport.Message) []byte {
		return func(m *transport.Message) []byte {
			mu.Lock()
			builds[f]++
			mu.Unlock()
			return append([]byte(prefix), m.Data...)
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := string(m.Framed(a, build(a, "A"))); got != "Ax" {
				t.Errorf("framing a = %q, want Ax", got)
			}
		})
	}
	wg.Wait()
	if got := string(m.Framed(b, build(b, "B"))); got != "Bx" {
		t.Errorf("framing b = %q, want Bx", got)
	}
	if got := string(m.Framed(a, build(a, "other"))); got != "Ax" {
		t.Errorf("cached framing a = %q, want Ax", got)
	}
	if builds[b] != 1 {
		t.Errorf("framing b built %d times, want 1", builds[b])
	}
}

// recorder collects messages and values, and the close reason.
type recorder struct {
	refuse error
	mu     sync.Mutex
	got    []string
	closed chan error
}

func newRecorder() *recorder { return &recorder{closed: make(chan error, 1)} }

func (r *recorder) OnOpen(transport.Conn, transport.Handshake) error { return r.refuse }
func (r *recorder) OnMessage(_ transport.Conn, m *transport.Message) {
	r.mu.Lock()
	r.got = append(r.got, string(m.Data))
	r.mu.Unlock()
}
func (r *recorder) OnClose(_ transport.Conn, reason error) { r.closed <- reason }

type valueRecorder struct{ *recorder }

func (v valueRecorder) OnValue(_ transport.Conn, x any) {
	v.mu.Lock()
	v.got = append(v.got, x.(string))
	v.mu.Unlock()
}

func TestPipeRefusedOpen(t *testing.T) {
	t.Parallel()
	a, b := newRecorder(), newRecorder()
	b.refuse = errors.New("no")
	if _, _, err := transport.Pipe(a, b, transport.PipeConfig{}); err == nil {
		t.Fatal("Pipe succeeded with a refusing handler")
	}
	if reason := <-a.closed; !errors.Is(reason, transport.ErrTransportClose) {
		t.Errorf("accepting side closed with %v, want transport close", reason)
	}
	select {
	case reason := <-b.closed:
		t.Errorf("refusing side got OnClose(%v)", reason)
	default:
	}
}

func TestPipeValuesKeepOrderWithMessages(t *testing.T) {
	t.Parallel()
	a, b := newRecorder(), valueRecorder{newRecorder()}
	ca, _, err := transport.Pipe(a, b, transport.PipeConfig{})
	require.NoError(t, err)
	vc := ca.(transport.ValueConn)
	_ = ca.Send(transport.NewMessage([]byte("m1"), false))
	_ = vc.SendValue("v1")
	_ = ca.Send(transport.NewMessage([]byte("m2"), false))
	_ = ca.Close(nil)
	<-a.closed
	assert.ErrorIs(t, <-b.closed, transport.ErrTransportClose, "peer's close reason")
	b.mu.Lock()
	defer b.mu.Unlock()
	assert.Equal(t, []string{"m1", "v1", "m2"}, b.got, "messages and values in send order")
	assert.ErrorIs(t, ca.Send(transport.NewMessage(nil, false)), transport.ErrClosed, "Send after close")
	assert.ErrorIs(t, ca.Close(nil), transport.ErrClosed, "second Close")
}

func TestPipeSendValueNeedsValueHandler(t *testing.T) {
	t.Parallel()
	a, b := newRecorder(), newRecorder()
	ca, _, err := transport.Pipe(a, b, transport.PipeConfig{})
	require.NoError(t, err)
	assert.ErrorIs(t, ca.(transport.ValueConn).SendValue("x"), errors.ErrUnsupported, "SendValue to a plain Handler")
	_ = ca.Close(nil)
	<-a.closed
	<-b.closed
}

func TestPipeSlowConsumer(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	a := newRecorder()
	b := &blocking{recorder: newRecorder(), block: block}
	ca, _, err := transport.Pipe(a, b, transport.PipeConfig{MaxMessages: 4})
	require.NoError(t, err)
	var sendErr error
	for i := 0; i < 100 && sendErr == nil; i++ {
		sendErr = ca.Send(transport.NewMessage([]byte("x"), false))
	}
	assert.ErrorIs(t, sendErr, transport.ErrSlowConsumer, "overflowing Send")
	assert.ErrorIs(t, <-a.closed, transport.ErrSlowConsumer, "sender's close reason")
	close(block)
	<-b.closed
}

type blocking struct {
	*recorder
	block chan struct{}
}

func (b *blocking) OnMessage(c transport.Conn, m *transport.Message) {
	<-b.block
	b.recorder.OnMessage(c, m)
}
