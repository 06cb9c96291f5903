package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// TestRetriesInOrder: the server ignores the first copy of every packet and
// acknowledges the second; the client keeps one packet in flight and the
// server sees each twice, in emit order.
func TestRetriesInOrder(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	var mu sync.Mutex
	seen := map[uint64]int{}
	f.onPacket = func(c transport.Conn, p *codec.Packet) {
		mu.Lock()
		seen[p.ID]++
		n := seen[p.ID]
		mu.Unlock()
		if n == 2 {
			f.ackEcho(c, p)
		}
	}
	m := newManager(t, f.dial, func(c *client.Config) { c.Retries = 3; c.AckTimeout = 10 * time.Millisecond })
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	for _, ev := range []string{"a", "b", "c"} {
		if err := s.Emit(ev); err != nil {
			t.Fatal(err)
		}
	}
	args, err := s.EmitWithAck(context.Background(), "d", 4)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := args.Decode(0, new(int)), 0; v != nil {
		t.Fatal(v)
	}
	var got []string
	for len(got) < 8 {
		p := next(t, f.recv).pkt
		if !p.HasID {
			t.Fatalf("queued packet without ack id: %+v", p)
		}
		name, _ := eventOf(t, p)
		got = append(got, name)
	}
	if g := strings.Join(got, ""); g != "aabbccdd" {
		t.Fatalf("server saw %s, want aabbccdd", g)
	}
	none(t, f.recv)
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t) // never acks
	m := newManager(t, f.dial, func(c *client.Config) { c.Retries = 2; c.AckTimeout = 5 * time.Millisecond })
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	_, err := s.EmitWithAck(context.Background(), "lost")
	if !errors.Is(err, client.ErrAckTimeout) {
		t.Fatalf("err = %v", err)
	}
	ids := map[uint64]bool{}
	for i := 0; i < 3; i++ {
		ids[next(t, f.recv).pkt.ID] = true
	}
	none(t, f.recv)
	if len(ids) != 1 {
		t.Fatalf("tries used ids %v, want one id for all", ids)
	}
	// The queue moves on.
	f.autoAck.Store(true)
	if _, err := s.EmitWithAck(context.Background(), "next"); err != nil {
		t.Fatal(err)
	}
}

// TestRetriesAcrossReconnect: the connection dies before the ack; the packet
// is sent again after the reconnection (at least once).
func TestRetriesAcrossReconnect(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	var mu sync.Mutex
	count := 0
	f.onPacket = func(c transport.Conn, p *codec.Packet) {
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		if n == 1 {
			_ = c.Close(transport.ErrForcedClose)
			return
		}
		f.ackEcho(c, p)
	}
	m := newManager(t, f.dial, func(c *client.Config) { c.Retries = 1 })
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	args, err := s.EmitWithAck(context.Background(), "важно", "x")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := args.Any(); err != nil || fmt.Sprint(v) != "[x]" {
		t.Fatalf("ack %v %v", v, err)
	}
	a, b := next(t, f.recv), next(t, f.recv)
	if a.conn == b.conn || a.pkt.ID != b.pkt.ID {
		t.Fatal("not resent on the new connection with the same id")
	}
}

func TestRetriesContextAbandons(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	f.failDial.Store(1000)
	m := newManager(t, f.dial, func(c *client.Config) { c.Retries = 1; c.ReconnectionDelay = time.Hour })
	s := m.Socket("/", client.SocketConfig{})
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := s.EmitWithAck(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// TestValuePath: over a Pipe to a ValueHandler, events and acks travel as Go
// values in both directions.
func TestValuePath(t *testing.T) {
	t.Parallel()
	type point struct{ X, Y int }
	f := newFakeServer(t)
	f.autoAck.Store(true)
	v := valueServer{f}
	m := newManager(t, v.dial, nil)
	s := m.Socket("/", client.SocketConfig{Auth: map[string]string{"k": "v"}})
	got := record()
	s.On("p", got.h)
	s.On("connect", got.h)
	s.Connect()
	got.want(t, "connect")

	pt := &point{1, 2}
	args, err := s.EmitWithAck(context.Background(), "move", pt, []byte{9})
	if err != nil {
		t.Fatal(err)
	}
	sent := next(t, f.recv).pkt
	if sent.Values == nil || sent.Data != nil || sent.Values[0] != "move" || sent.Values[1] != any(pt) {
		t.Fatalf("sent %+v, want the Go values", sent)
	}
	var back point
	var bin []byte
	if err := errors.Join(args.Decode(0, &back), args.Decode(1, &bin)); err != nil || back != *pt || bin[0] != 9 {
		t.Fatalf("ack %v %v: %v", back, bin, err)
	}

	id := uint64(5)
	_ = sent // the server pushes an event with an ack id as a value
	c := f.last().(transport.ValueConn)
	_ = c.SendValue(&codec.Packet{Type: codec.Event, Namespace: "/", ID: id, HasID: true, Values: []any{"p", point{3, 4}}})
	e := got.want(t, "p")
	if p, err := client.Arg[point](e, 0); err != nil || p != (point{3, 4}) {
		t.Fatalf("got %v %v", p, err)
	}
	if err := e.Ack("ok"); err != nil {
		t.Fatal(err)
	}
	ack := next(t, f.recv).pkt
	if ack.Type != codec.Ack || ack.ID != id || len(ack.Values) != 1 || ack.Values[0] != "ok" {
		t.Fatalf("ack %+v", ack)
	}
	// A reserved name arriving as a value is a parse error.
	s.On("disconnect", got.h)
	_ = c.SendValue(&codec.Packet{Type: codec.Event, Namespace: "/", Values: []any{"connect"}})
	if e := got.want(t, "disconnect"); e.Reason != client.ReasonParseError {
		t.Fatalf("reason %q", e.Reason)
	}
}
