package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport"
)

// wireOnly hides the server's ValueHandler ability, so the Pipe carries
// encoded Socket.IO packets as a network transport would.
type wireOnly struct{ transport.Handler }

// busDial dials srv over a Pipe, in process (values) or wire form.
func busDial(srv *bus.Server, wire bool) client.DialFunc {
	var h transport.Handler = srv
	if wire {
		h = wireOnly{srv}
	}
	return func(_ context.Context, c transport.Handler) (transport.Conn, error) {
		ca, _, err := transport.Pipe(c, h, transport.PipeConfig{})
		return ca, err
	}
}

func newBus(t *testing.T) *bus.Server {
	t.Helper()
	srv, err := bus.NewServer(bus.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

var modes = []struct {
	name string
	wire bool
}{{"values", false}, {"wire", true}}

func TestBusRoundTrip(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			srv := newBus(t)
			serverSockets := make(chan *bus.Socket, 1)
			srv.Of("/").OnConnection(func(s *bus.Socket) {
				s.On("add", func(e *bus.Event) {
					a, _ := bus.Arg[int](e, 0)
					b, _ := bus.Arg[int](e, 1)
					_ = e.Ack(a + b)
				})
				s.On("upload", func(e *bus.Event) {
					b, _ := bus.Arg[[]byte](e, 0)
					_ = e.Ack(len(b), bytes.ToUpper(b))
				})
				_ = s.Emit("welcome", string(s.Handshake().Auth))
				serverSockets <- s
			})
			m := newManager(t, busDial(srv, mode.wire), nil)
			s := m.Socket("/", client.SocketConfig{Auth: map[string]string{"user": "ann"}})
			ev := record()
			s.On("welcome", ev.h)
			s.On("connect", ev.h)
			s.Connect()
			ev.want(t, "connect")
			if v, _ := client.Arg[string](ev.want(t, "welcome"), 0); v != `{"user":"ann"}` {
				t.Fatalf("welcome %q", v)
			}
			ss := next(t, serverSockets)
			if ss.ID() != s.ID() {
				t.Fatalf("client id %q, server id %q", s.ID(), ss.ID())
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "add", 2, 3)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := client.Arg[int](&client.Event{Args: args}, 0); err != nil || n != 5 {
				t.Fatalf("sum %d %v", n, err)
			}
			args, err = s.EmitWithAck(ctx, "upload", []byte("abc"))
			if err != nil {
				t.Fatal(err)
			}
			var n int
			var up []byte
			if err := errors.Join(args.Decode(0, &n), args.Decode(1, &up)); err != nil || n != 3 || string(up) != "ABC" {
				t.Fatalf("upload ack %d %q %v", n, up, err)
			}

			// Server to client, with an acknowledgement from the client.
			s.On("question", func(e *client.Event) {
				q, _ := client.Arg[string](e, 0)
				_ = e.Ack(strings.ToUpper(q), []byte{7})
			})
			back, err := ss.EmitWithAck(ctx, "question", "why")
			if err != nil {
				t.Fatal(err)
			}
			var answer string
			var bin []byte
			if err := errors.Join(back.Decode(0, &answer), back.Decode(1, &bin)); err != nil || answer != "WHY" || !bytes.Equal(bin, []byte{7}) {
				t.Fatalf("server got %q %v %v", answer, bin, err)
			}
		})
	}
}

func TestBusMiddlewareRefusal(t *testing.T) {
	t.Parallel()
	srv := newBus(t)
	srv.Of("/admin").Use(func(s *bus.Socket) error {
		return &bus.ConnectError{Message: "unauthorized", Data: map[string]string{"reason": "no token"}}
	})
	m := newManager(t, busDial(srv, true), nil)
	root := m.Socket("/", client.SocketConfig{})
	admin := m.Socket("/admin", client.SocketConfig{})
	ev := record()
	root.On("connect", ev.h)
	root.Connect()
	ev.want(t, "connect")
	admin.On("connect_error", ev.h)
	admin.Connect()
	var ce *client.ConnectError
	if e := ev.want(t, "connect_error"); !errors.As(e.Err, &ce) || ce.Message != "unauthorized" || string(ce.Data) != `{"reason":"no token"}` {
		t.Fatalf("err %#v", e.Err)
	}
	if admin.Active() || !root.Connected() {
		t.Fatal("refusal changed the wrong socket")
	}
}

func TestBusServerDisconnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		close     bool
		reason    client.DisconnectReason
		reconnect bool
	}{
		{"namespace", false, client.ReasonServerDisconnect, false},
		{"connection", true, client.ReasonServerDisconnect, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newBus(t)
			sockets := make(chan *bus.Socket, 4)
			srv.Of("/").OnConnection(func(s *bus.Socket) { sockets <- s })
			m := newManager(t, busDial(srv, false), nil)
			s := m.Socket("/", client.SocketConfig{})
			ev := record()
			s.On("connect", ev.h)
			s.On("disconnect", ev.h)
			s.Connect()
			ev.want(t, "connect")
			if err := next(t, sockets).Disconnect(tt.close); err != nil {
				t.Fatal(err)
			}
			if e := ev.want(t, "disconnect"); e.Reason != tt.reason {
				t.Fatalf("reason %q, want %q", e.Reason, tt.reason)
			}
			none(t, sockets)
			if s.Active() {
				t.Fatal("socket still active")
			}
		})
	}
}

func TestBusReconnectFlushes(t *testing.T) {
	t.Parallel()
	srv := newBus(t)
	got := make(chan string, 64)
	sockets := make(chan *bus.Socket, 4)
	srv.Of("/").OnConnection(func(s *bus.Socket) {
		s.On("n", func(e *bus.Event) {
			v, _ := bus.Arg[json.Number](e, 0)
			got <- v.String()
		})
		sockets <- s
	})
	m := newManager(t, busDial(srv, true), nil)
	s := m.Socket("/", client.SocketConfig{})
	ev := record()
	s.On("connect", ev.h)
	s.On("disconnect", ev.h)
	s.Connect()
	ev.want(t, "connect")
	first := next(t, sockets)
	_ = first.Conn().Close(transport.ErrTransportError) // the server side loses the connection
	if e := ev.want(t, "disconnect"); e.Reason != client.ReasonTransportClose {
		t.Fatalf("reason %q", e.Reason)
	}
	for _, v := range []string{"1", "2", "3"} {
		_ = s.Emit("n", json.Number(v))
	}
	ev.want(t, "connect")
	second := next(t, sockets)
	if second.ID() == first.ID() || s.ID() != second.ID() {
		t.Fatal("not a new session")
	}
	var order []string
	for range 3 {
		order = append(order, next(t, got))
	}
	if strings.Join(order, ",") != "1,2,3" {
		t.Fatalf("order %v", order)
	}
}

func TestBusRooms(t *testing.T) {
	t.Parallel()
	srv := newBus(t)
	srv.Of("/").OnConnection(func(s *bus.Socket) {
		s.On("join", func(e *bus.Event) {
			room, _ := bus.Arg[string](e, 0)
			s.Join(room)
			_ = e.Ack()
		})
		s.On("say", func(e *bus.Event) {
			room, _ := bus.Arg[string](e, 0)
			msg, _ := bus.Arg[string](e, 1)
			_ = s.To(room).Emit("said", msg)
		})
	})
	var recs []*events
	var socks []*client.Socket
	for i := range 3 {
		m := newManager(t, busDial(srv, i == 1), nil)
		s := m.Socket("/", client.SocketConfig{})
		r := record()
		s.On("said", r.h)
		s.Connect()
		recs, socks = append(recs, r), append(socks, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, i := range []int{0, 1} {
		if _, err := socks[i].EmitWithAck(ctx, "join", "r"); err != nil {
			t.Fatal(err)
		}
	}
	_ = socks[0].Emit("say", "r", "hi")
	if v, _ := client.Arg[string](recs[1].want(t, "said"), 0); v != "hi" {
		t.Fatal(v)
	}
	none(t, recs[0].ch) // the sender is excluded
	none(t, recs[2].ch) // not in the room
}
