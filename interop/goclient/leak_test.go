//go:build interop

package goclient_test

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/client"
)

// TestCloseMidReconnect closes a Manager while it reconnects, in each phase
// of the reconnection loop, and checks that no goroutine is left. It is not
// parallel: goleak.VerifyNone sees the whole process.
func TestCloseMidReconnect(t *testing.T) {
	for _, mode := range []string{modeWebSocket, modeUpgrade, modeTCP} {
		for _, phase := range []string{"backoff", "refused", "dialing"} {
			t.Run(mode+"/"+phase, func(t *testing.T) { closeMidReconnect(t, mode, phase) })
		}
	}
}

func closeMidReconnect(t *testing.T, mode, phase string) {
	srv := startBusServer(t)
	d := srv.dialer(mode)
	d.Timeout = time.Hour // only Close can end a dial into the black hole
	delay := 10 * time.Millisecond
	if phase == "backoff" {
		delay = time.Hour
	}
	m, err := client.New(client.Config{
		Dial:                 d.Dial,
		ReconnectionDelay:    delay,
		ReconnectionDelayMax: delay,
		RandomizationFactor:  -1,
		Timeout:              time.Hour,
		Logger:               quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	mev := record()
	m.On("reconnect_error", mev.h)
	s := m.Socket("/", client.SocketConfig{})
	ev := record().on(s, "connect", "disconnect")
	s.Connect()
	ev.want(t, "connect")
	_ = s.Emit("echo", "buffered") // kept in the send buffer, never sent

	srv.stop(t)
	ev.want(t, "disconnect")
	if err := s.Emit("echo", "while down"); err != nil {
		t.Fatal(err)
	}
	switch phase {
	case "refused":
		mev.want(t, "reconnect_error")
	case "dialing":
		addr := srv.httpAddr
		if mode == modeTCP {
			addr = srv.tcpAddr
		}
		hole := blackHole(t, addr)
		select {
		case <-hole.accepted:
		case <-time.After(wait):
			t.Fatal("the client did not redial")
		}
		defer hole.close()
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	acked := make(chan error, 1)
	go func() { _, err := s.EmitWithAck(withTimeout(t), "ack"); acked <- err }()
	if err := <-acked; !errors.Is(err, client.ErrClosed) {
		t.Fatalf("EmitWithAck after Close = %v, want ErrClosed", err)
	}
	if phase == "dialing" {
		// Close ended the dial: the held connection was closed by the client.
		goleak.VerifyNone(t, goleak.IgnoreAnyFunction("github.com/sockbus/sockbus/interop/goclient_test.blackHole.func1"))
		return
	}
	goleak.VerifyNone(t)
}

// hole accepts connections on a port and never answers.
type hole struct {
	ln       net.Listener
	accepted chan struct{}
	once     sync.Once
	mu       sync.Mutex
	conns    []net.Conn
	done     chan struct{}
}

// blackHole listens on addr (the stopped server's port).
func blackHole(t *testing.T, addr string) *hole {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h := &hole{ln: ln, accepted: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
			h.once.Do(func() { close(h.accepted) })
		}
	}()
	return h
}

func (h *hole) close() {
	_ = h.ln.Close()
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		_ = c.Close()
	}
}
