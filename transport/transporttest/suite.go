package transporttest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sockbus/sockbus/transport"
)

// MakePair connects a new client/server pair for one test: server handles
// the server side, client the client side. It returns once both Handlers'
// OnOpen ran, with the client's Conn, and registers its cleanup with t.
// The server side's outbox must hold at most 16 MiB.
type MakePair func(t *testing.T, server, client transport.Handler) (clientConn transport.Conn)

// Timeout bounds every wait of Run.
var Timeout = 10 * time.Second

// Run runs the conformance suite against makePair.
func Run(t *testing.T, makePair MakePair) {
	tests := []struct {
		name string
		fn   func(t *testing.T, makePair MakePair)
	}{
		{"ServerToClientOrder", testServerToClient},
		{"ClientToServerOrder", testClientToServer},
		{"ConcurrentSendAtomic", testConcurrentSend},
		{"ServerClose", testServerClose},
		{"ClientClose", testClientClose},
		{"SlowConsumer", testSlowConsumer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, makePair) })
	}
}

func open(t *testing.T, makePair MakePair, client *Recorder) (srv *Recorder, sc, cc transport.Conn) {
	t.Helper()
	srv = &Recorder{}
	cc = makePair(t, srv, client)
	if sc = srv.Conn(); sc == nil {
		t.Fatal("makePair returned before the server's OnOpen")
	}
	return srv, sc, cc
}

func seq(n int) []*transport.Message {
	msgs := make([]*transport.Message, n)
	for i := range msgs {
		if i%3 == 2 {
			msgs[i] = transport.NewMessage([]byte{byte(i), 0, 0xff, byte(i >> 8)}, true)
		} else {
			msgs[i] = transport.NewMessage(fmt.Appendf(nil, "msg %d é", i), false)
		}
	}
	return msgs
}

func sameMessages(t *testing.T, got, want []*transport.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].Data, want[i].Data) || got[i].Binary != want[i].Binary {
			t.Fatalf("message %d = %q (binary %v), want %q (binary %v)", i, got[i].Data, got[i].Binary, want[i].Data, want[i].Binary)
		}
	}
}

func count(n int) func([]*transport.Message, []error) bool {
	return func(m []*transport.Message, _ []error) bool { return len(m) >= n }
}

func closedOnce(_ []*transport.Message, r []error) bool { return len(r) > 0 }

func testServerToClient(t *testing.T, makePair MakePair) {
	client := &Recorder{}
	_, sc, _ := open(t, makePair, client)
	want := seq(300)
	for i := 0; i < len(want); i += 10 {
		if err := sc.Send(want[i : i+10]...); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if !client.Wait(Timeout, count(len(want))) {
		t.Fatalf("client got %d of %d messages", len(client.Messages()), len(want))
	}
	sameMessages(t, client.Messages(), want)
}

func testClientToServer(t *testing.T, makePair MakePair) {
	client := &Recorder{}
	srv, _, cc := open(t, makePair, client)
	want := seq(300)
	for i := 0; i < len(want); i += 10 {
		if err := cc.Send(want[i : i+10]...); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if !srv.Wait(Timeout, count(len(want))) {
		t.Fatalf("server got %d of %d messages", len(srv.Messages()), len(want))
	}
	sameMessages(t, srv.Messages(), want)
}

// testConcurrentSend sends groups (a text packet and two binary
// attachments) from many goroutines: every group must arrive contiguous and
// each goroutine's groups in order.
func testConcurrentSend(t *testing.T, makePair MakePair) {
	client := &Recorder{}
	_, sc, _ := open(t, makePair, client)
	const senders, groups = 8, 40
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range groups {
				err := sc.Send(
					transport.NewMessage(fmt.Appendf(nil, "%d/%d", g, i), false),
					transport.NewMessage([]byte{byte(g), byte(i), 1}, true),
					transport.NewMessage([]byte{byte(g), byte(i), 2}, true),
				)
				if err != nil {
					t.Errorf("Send: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if !client.Wait(Timeout, count(senders*groups*3)) {
		t.Fatalf("client got %d of %d messages", len(client.Messages()), senders*groups*3)
	}
	next := make([]int, senders)
	msgs := client.Messages()
	for k := 0; k < len(msgs); k += 3 {
		var g, i int
		if _, err := fmt.Sscanf(string(msgs[k].Data), "%d/%d", &g, &i); err != nil || msgs[k].Binary {
			t.Fatalf("message %d = %q: not a group header", k, msgs[k].Data)
		}
		if g < 0 || g >= senders || i != next[g] {
			t.Fatalf("group %d/%d out of order (want %d)", g, i, next[g])
		}
		next[g]++
		for a := 1; a <= 2; a++ {
			m := msgs[k+a]
			if !m.Binary || !bytes.Equal(m.Data, []byte{byte(g), byte(i), byte(a)}) {
				t.Fatalf("attachment %d of group %d/%d = %v (binary %v): not contiguous", a, g, i, m.Data, m.Binary)
			}
		}
	}
}

func testServerClose(t *testing.T, makePair MakePair) {
	client := &Recorder{}
	srv, sc, _ := open(t, makePair, client)
	if err := sc.Close(nil); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := sc.Close(nil); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if err := sc.Send(transport.NewMessage([]byte("late"), false)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
	if !srv.Wait(Timeout, closedOnce) || !client.Wait(Timeout, closedOnce) {
		t.Fatalf("OnClose not called: server %v, client %v", srv.Reasons(), client.Reasons())
	}
	if r := srv.Reasons(); !errors.Is(r[0], transport.ErrForcedClose) {
		t.Errorf("server reason = %v, want ErrForcedClose", r[0])
	}
	if r := client.Reasons(); !errors.Is(r[0], transport.ErrTransportClose) {
		t.Errorf("client reason = %v, want ErrTransportClose", r[0])
	}
	assertOnce(t, srv, client)
}

func testClientClose(t *testing.T, makePair MakePair) {
	client := &Recorder{}
	srv, sc, cc := open(t, makePair, client)
	if err := cc.Close(nil); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !srv.Wait(Timeout, closedOnce) {
		t.Fatal("server OnClose not called")
	}
	if r := srv.Reasons(); !errors.Is(r[0], transport.ErrTransportClose) {
		t.Errorf("server reason = %v, want ErrTransportClose", r[0])
	}
	if err := sc.Send(transport.NewMessage([]byte("late"), false)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("server Send after peer close = %v, want ErrClosed", err)
	}
	assertOnce(t, srv, client)
}

func assertOnce(t *testing.T, recs ...*Recorder) {
	t.Helper()
	// Give a duplicate OnClose a chance to show up.
	time.Sleep(50 * time.Millisecond)
	for _, r := range recs {
		if n := len(r.Reasons()); n > 1 {
			t.Errorf("OnClose called %d times: %v", n, r.Reasons())
		}
	}
}

// testSlowConsumer stalls the client's reader and sends until the server
// side gives up with ErrSlowConsumer.
func testSlowConsumer(t *testing.T, makePair MakePair) {
	block := make(chan struct{})
	client := &Recorder{Block: block}
	srv, sc, _ := open(t, makePair, client)
	defer close(block)
	big := transport.NewMessage(bytes.Repeat([]byte{'x'}, 64<<10), false)
	var err error
	for i := 0; i < 100_000 && err == nil; i++ {
		err = sc.Send(big)
	}
	if !errors.Is(err, transport.ErrSlowConsumer) {
		t.Fatalf("Send = %v, want ErrSlowConsumer", err)
	}
	if !srv.Wait(Timeout, closedOnce) {
		t.Fatal("server OnClose not called")
	}
	if r := srv.Reasons(); !errors.Is(r[0], transport.ErrSlowConsumer) {
		t.Errorf("server reason = %v, want ErrSlowConsumer", r[0])
	}
}
