package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/sockbus/sockbus/transport"
)

// fuzzConn is a Conn that records what the client sends and whether it was
// closed.
type fuzzConn struct {
	mu     sync.Mutex
	sent   int
	reason error
}

func (c *fuzzConn) ID() string { return "fuzz" }
func (c *fuzzConn) Send(msgs ...*transport.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason != nil {
		return transport.ErrClosed
	}
	c.sent += len(msgs)
	return nil
}
func (c *fuzzConn) Close(reason error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reason == nil {
		c.reason = reason
	}
	return nil
}

// FuzzInbound feeds arbitrary server messages (split on 0xff; a leading 0xfe
// marks a binary message) to a connected client: it must never panic, and
// anything it refuses must close the connection with a parse error.
func FuzzInbound(f *testing.F) {
	for _, s := range []string{
		`0{"sid":"a"}` + "\xff" + `2["x",1]`,
		`0{"sid":"a"}` + "\xff" + `21["x",{"a":[1]}]`,
		`0{"sid":"a"}` + "\xff" + `51-["x",{"_placeholder":true,"num":0}]` + "\xff\xfe\x01\x02",
		`4{"message":"no","data":{"a":1}}`,
		`4"legacy"`,
		`0{"sid":"a"}` + "\xff" + `1`,
		`0{"sid":"a"}` + "\xff" + `30[1]` + "\xff" + `61-[{"_placeholder":true,"num":0}]` + "\xff\xfe\x00",
		`0/chat,{"sid":"b"}` + "\xff" + `2/chat,["y"]`,
		`0{}`, `2["connect"]`, `9`, ``, "\xfe\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoReconnect: true,
			Dial: func(context.Context, transport.Handler) (transport.Conn, error) { return nil, errors.New("no") }})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		conn := &fuzzConn{}
		l := &link{m: m, conn: conn, accepted: true}
		m.link = l
		for _, nsp := range []string{"/", "/chat"} {
			s := newSocket(m, nsp, SocketConfig{})
			s.active = true
			s.On("x", func(e *Event) { _, _ = e.Args.Any(); _ = e.Ack(e.Args) })
			s.OnAny(func(e *Event) { _ = e.Ack(1) })
			m.sockets[nsp] = s
			go func() { _, _ = s.EmitWithAck(context.Background(), "q") }()
		}
		for _, part := range bytes.Split(data, []byte{0xff}) {
			binary := len(part) > 0 && part[0] == 0xfe
			if binary {
				part = part[1:]
			}
			l.OnMessage(conn, transport.NewMessage(part, binary))
			conn.mu.Lock()
			reason := conn.reason
			conn.mu.Unlock()
			if reason != nil {
				if !errors.Is(reason, transport.ErrParse) {
					t.Fatalf("closed with %v", reason)
				}
				return
			}
		}
	})
}
