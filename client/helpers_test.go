package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// got is one packet the fake server received, with the connection it came on.
type got struct {
	conn transport.Conn
	pkt  *codec.Packet
}

// fakeServer speaks just enough Socket.IO over transport.Pipe for the client
// tests: it answers CONNECT (or refuses namespaces listed in refuse), records
// every other packet on recv, and runs onPacket if set. It is the handler of
// every pipe it serves.
type fakeServer struct {
	t       *testing.T
	refuse  map[string]*client.ConnectError // namespaces to refuse
	autoAck atomic.Bool                     // ack every event with its args
	// onPacket, if set, is called for every EVENT.
	onPacket func(c transport.Conn, p *codec.Packet)

	manual   atomic.Bool // leave CONNECT unanswered
	dials    atomic.Int32
	failDial atomic.Int32 // fail this many more dials
	sids     atomic.Int32
	recv     chan got
	connects chan got

	mu    sync.Mutex
	conns []transport.Conn
	decs  map[transport.Conn]*codec.Decoder
}

func newFakeServer(t *testing.T) *fakeServer {
	return &fakeServer{t: t, recv: make(chan got, 1024), connects: make(chan got, 64), decs: map[transport.Conn]*codec.Decoder{}}
}

var errDial = errors.New("dial refused by test")

// dial is the client's Config.Dial.
func (f *fakeServer) dial(_ context.Context, h transport.Handler) (transport.Conn, error) {
	f.dials.Add(1)
	if f.failDial.Load() > 0 {
		f.failDial.Add(-1)
		return nil, errDial
	}
	ca, _, err := transport.Pipe(h, f, transport.PipeConfig{})
	return ca, err
}

func (f *fakeServer) OnOpen(c transport.Conn, _ transport.Handshake) error {
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.decs[c] = &codec.Decoder{}
	f.mu.Unlock()
	return nil
}

func (f *fakeServer) OnMessage(c transport.Conn, m *transport.Message) {
	f.mu.Lock()
	dec := f.decs[c]
	f.mu.Unlock()
	p, err := dec.Feed(m.Data, m.Binary)
	if err != nil {
		f.t.Errorf("fake server: bad packet %q: %v", m.Data, err)
		return
	}
	if p != nil {
		f.handle(c, p)
	}
}

func (f *fakeServer) OnClose(transport.Conn, error) {}

func (f *fakeServer) handle(c transport.Conn, p *codec.Packet) {
	if p.Type == codec.Connect {
		f.connects <- got{c, p}
		if f.manual.Load() {
			return
		}
		if ce := f.refuse[p.Namespace]; ce != nil {
			data, _ := json.Marshal(map[string]any{"message": ce.Message, "data": ce.Data})
			f.send(c, &codec.Packet{Type: codec.ConnectError, Namespace: p.Namespace, Data: data})
			return
		}
		sid := fmt.Sprintf("sid-%d", f.sids.Add(1))
		f.send(c, &codec.Packet{Type: codec.Connect, Namespace: p.Namespace, Data: json.RawMessage(`{"sid":"` + sid + `"}`)})
		return
	}
	f.recv <- got{c, p}
	if p.Type != codec.Event && p.Type != codec.BinaryEvent {
		return
	}
	if f.autoAck.Load() && p.HasID {
		f.ackEcho(c, p)
	}
	if f.onPacket != nil {
		f.onPacket(c, p)
	}
}

// ackEcho acknowledges event p with its own arguments.
func (f *fakeServer) ackEcho(c transport.Conn, p *codec.Packet) {
	if p.Values != nil {
		_ = c.(transport.ValueConn).SendValue(&codec.Packet{Type: codec.Ack, Namespace: p.Namespace, ID: p.ID, HasID: true, Values: p.Values[1:]})
		return
	}
	_, rest, err := codec.EventName(p.Data)
	if err != nil {
		f.t.Errorf("fake server: %v", err)
		return
	}
	data, _ := json.Marshal(rest)
	f.send(c, &codec.Packet{Type: codec.Ack, Namespace: p.Namespace, ID: p.ID, HasID: true, Data: data, Attachments: p.Attachments})
}

// send writes p (and its attachments) to c.
func (f *fakeServer) send(c transport.Conn, p *codec.Packet) {
	msgs := []*transport.Message{transport.NewMessage(codec.AppendPacket(nil, p), false)}
	for _, a := range p.Attachments {
		msgs = append(msgs, transport.NewMessage(a, true))
	}
	_ = c.Send(msgs...)
}

// emit sends event ev with args (encoded by codec) to c.
func (f *fakeServer) emit(c transport.Conn, nsp string, id *uint64, ev string, args ...any) {
	data, atts, err := codec.AppendArgs(nil, append([]any{ev}, args...))
	if err != nil {
		f.t.Fatal(err)
	}
	p := &codec.Packet{Type: codec.Event, Namespace: nsp, Data: data, Attachments: atts}
	if id != nil {
		p.ID, p.HasID = *id, true
	}
	f.send(c, p)
}

// last returns the newest server-side connection.
func (f *fakeServer) last() transport.Conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns[len(f.conns)-1]
}

// valueServer is a fakeServer that also takes Go values (transport.ValueHandler).
type valueServer struct{ *fakeServer }

func (v valueServer) OnValue(c transport.Conn, x any) { v.handle(c, x.(*codec.Packet)) }

func (v valueServer) dial(_ context.Context, h transport.Handler) (transport.Conn, error) {
	v.dials.Add(1)
	ca, _, err := transport.Pipe(h, v, transport.PipeConfig{})
	return ca, err
}

// next returns the next packet the server received, failing after 5 s.
func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting")
		panic("unreachable")
	}
}

// none checks that nothing arrives on ch for a short while.
func none[T any](t *testing.T, ch <-chan T) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %v", v)
	case <-time.After(50 * time.Millisecond):
	}
}

// waitFor polls cond until it holds, failing after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// events records the lifecycle and named events a socket or manager sees.
type events struct {
	ch chan *client.Event
}

func record() *events { return &events{ch: make(chan *client.Event, 256)} }

func (r *events) h(e *client.Event) { r.ch <- e }

// want returns the next recorded event, which must be named name.
func (r *events) want(t *testing.T, name string) *client.Event {
	t.Helper()
	e := next(t, r.ch)
	if e.Name != name {
		t.Fatalf("event %q (reason %q, err %v), want %q", e.Name, e.Reason, e.Err, name)
	}
	return e
}

// newManager returns a Manager over f with fast reconnection, closed at the
// end of the test.
func newManager(t *testing.T, dial client.DialFunc, mod func(*client.Config)) *client.Manager {
	t.Helper()
	cfg := client.Config{
		Dial:                 dial,
		ReconnectionDelay:    time.Millisecond,
		ReconnectionDelayMax: 5 * time.Millisecond,
		Logger:               quietLogger(),
	}
	if mod != nil {
		mod(&cfg)
	}
	m, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eventOf returns the name and JSON arguments of a wire EVENT.
func eventOf(t *testing.T, p *codec.Packet) (string, string) {
	t.Helper()
	name, rest, err := codec.EventName(p.Data)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rest)
	return name, string(b)
}
