package client_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
)

// TestNetwork runs the client over real Engine.IO transports on loopback
// (engineclient against sockbus.Handler): connect, acks both ways with
// binary, and a reconnection after the server drops the connection.
func TestNetwork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		transports []string
		noUpgrade  bool
	}{
		{"polling", []string{engineclient.Polling}, true},
		{"websocket", []string{engineclient.WebSocket}, false},
		{"upgrade", []string{engineclient.Polling, engineclient.WebSocket}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newBus(t)
			sockets := make(chan *bus.Socket, 4)
			srv.Of("/").OnConnection(func(s *bus.Socket) {
				s.On("echo", func(e *bus.Event) {
					b, _ := bus.Arg[[]byte](e, 0)
					_ = e.Ack(b, "ok")
				})
				sockets <- s
			})
			h, err := sockbus.NewHandler(srv, engine.Config{Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(h)
			t.Cleanup(func() { hs.Close(); _ = h.Close() })

			d := &engineclient.Dialer{URL: hs.URL, Transports: tt.transports, NoUpgrade: tt.noUpgrade, Logger: quietLogger()}
			m := newManager(t, d.Dial, nil)
			s := m.Socket("/", client.SocketConfig{Auth: map[string]int{"v": 1}})
			ev := record()
			s.On("connect", ev.h)
			s.On("disconnect", ev.h)
			s.Connect()
			ev.want(t, "connect")
			ss := next(t, sockets)
			if ss.ID() != s.ID() || string(ss.Handshake().Auth) != `{"v":1}` {
				t.Fatalf("server socket %q auth %s, client %q", ss.ID(), ss.Handshake().Auth, s.ID())
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "echo", []byte{0, 1, 255})
			if err != nil {
				t.Fatal(err)
			}
			var b []byte
			if err := args.Decode(0, &b); err != nil || !bytes.Equal(b, []byte{0, 1, 255}) {
				t.Fatalf("echo %v %v", b, err)
			}
			s.On("q", func(e *client.Event) { _ = e.Ack([]byte("answer")) })
			back, err := ss.EmitWithAck(ctx, "q")
			if err != nil {
				t.Fatal(err)
			}
			if err := back.Decode(0, &b); err != nil || string(b) != "answer" {
				t.Fatalf("client ack %q %v", b, err)
			}

			// The server loses the connection: the client reconnects.
			_ = ss.Conn().Close(nil)
			if e := ev.want(t, "disconnect"); e.Reason != client.ReasonTransportClose && e.Reason != client.ReasonTransportError {
				t.Fatalf("reason %q", e.Reason)
			}
			ev.want(t, "connect")
			if next(t, sockets).ID() != s.ID() {
				t.Fatal("ids differ after reconnect")
			}
		})
	}
}
