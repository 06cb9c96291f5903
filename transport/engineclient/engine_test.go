package engineclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	pollingtr "github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/ws"
)

// echoHandler is the server side: it echoes every message.
type echoHandler struct{}

func (echoHandler) OnOpen(transport.Conn, transport.Handshake) error { return nil }
func (echoHandler) OnMessage(c transport.Conn, m *transport.Message) { _ = c.Send(m) }
func (echoHandler) OnClose(transport.Conn, error)                    {}

// newEngine serves a sockbus engine (polling and WebSocket) over httptest;
// tlsServer selects httptest's TLS server.
func newEngine(t *testing.T, cfg engine.Config, tlsServer bool) *httptest.Server {
	t.Helper()
	cfg.Handler = echoHandler{}
	cfg.Transports = []engine.Transport{pollingtr.New(pollingtr.Config{}), ws.New(ws.Config{})}
	eng, err := engine.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var hs *httptest.Server
	if tlsServer {
		hs = httptest.NewTLSServer(eng)
	} else {
		hs = httptest.NewServer(eng)
	}
	t.Cleanup(func() {
		_ = eng.Close()
		hs.Close()
	})
	return hs
}

func TestEngine(t *testing.T) {
	t.Parallel()
	srv := newEngine(t, engine.Config{PingInterval: 300 * time.Millisecond, PingTimeout: 300 * time.Millisecond}, false)
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name       string
		d          Dialer
		first, end string
	}{
		{"websocket-only", Dialer{URL: "ws://" + host}, WebSocket, WebSocket},
		{"polling-only", Dialer{URL: srv.URL, Transports: []string{Polling}}, Polling, Polling},
		{"no-upgrade", Dialer{URL: srv.URL, NoUpgrade: true}, Polling, Polling},
		{"polling-upgrade", Dialer{URL: srv.URL}, Polling, WebSocket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.d.Path = "/engine.io/"
			r := newRecorder()
			c := dial(t, &tt.d, r)
			if hs := <-r.opened; hs.Transport != tt.first {
				t.Errorf("transport = %q, want %q", hs.Transport, tt.first)
			}
			// Messages in flight both ways while the upgrade runs.
			echoRoundTrip(t, c, r, 2000, nil)
			waitFor(t, tt.end, func() bool { return c.carrying.Load() == tt.end })
			echoRoundTrip(t, c, r, 100, nil)
			// Outlive several heartbeats: the client answers pings.
			select {
			case err := <-r.closed:
				t.Fatalf("closed: %v", err)
			case <-time.After(1500 * time.Millisecond):
			}
			closeAndWait(t, c, r)
		})
	}
}

func TestEngineTLS(t *testing.T) {
	t.Parallel()
	srv := newEngine(t, engine.Config{}, true)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig
	for _, u := range []string{srv.URL, "wss://" + strings.TrimPrefix(srv.URL, "https://")} {
		t.Run(u[:5], func(t *testing.T) {
			r := newRecorder()
			c := dial(t, &Dialer{URL: u, Path: "/engine.io/", TLSConfig: pool}, r)
			if hs := <-r.opened; !hs.Secure {
				t.Error("handshake not secure")
			}
			echoRoundTrip(t, c, r, 50, nil)
			closeAndWait(t, c, r)
		})
	}
}

// TestPingTimeout: a server that stops pinging is detected after
// pingInterval+pingTimeout.
func TestPingTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sid") == "" {
			_, _ = w.Write([]byte(`0{"sid":"AAAAAAAAAAAAAAAAAAAA","upgrades":[],"pingInterval":50,"pingTimeout":50,"maxPayload":1000}`))
			return
		}
		if r.Method == http.MethodGet {
			<-r.Context().Done() // a poll that never returns: no ping ever
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	r := newRecorder()
	start := time.Now()
	c := dial(t, &Dialer{URL: srv.URL}, r)
	if err := r.closeReason(t); !errors.Is(err, transport.ErrPingTimeout) {
		t.Fatalf("reason = %v, want ping timeout", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("closed after %v, before pingInterval+pingTimeout", d)
	}
	<-c.done
}

func TestRefusedOpen(t *testing.T) {
	t.Parallel()
	srv := newEngine(t, engine.Config{}, false)
	r := newRecorder()
	r.refuse = errors.New("no thanks")
	_, err := (&Dialer{URL: srv.URL, Path: "/engine.io/"}).Dial(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "no thanks") {
		t.Fatalf("err = %v", err)
	}
}

func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	srv := newEngine(t, engine.Config{}, false)
	r := newRecorder()
	c := dial(t, &Dialer{URL: srv.URL, Path: "/engine.io/", NoUpgrade: true, MaxOutboxMessages: 10}, r)
	var err error
	for range 1000 {
		if err = c.Send(transport.NewMessage([]byte("x"), false)); err != nil {
			break
		}
	}
	if !errors.Is(err, transport.ErrSlowConsumer) {
		t.Fatalf("Send = %v, want slow consumer", err)
	}
	if err := r.closeReason(t); !errors.Is(err, transport.ErrSlowConsumer) {
		t.Errorf("reason = %v", err)
	}
	if err := c.Send(transport.NewMessage([]byte("x"), false)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send after close = %v", err)
	}
	if err := c.Close(nil); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	<-c.done
}

func TestDialErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    Dialer
		want error
	}{
		{"bad scheme", Dialer{URL: "ftp://x"}, ErrBadURL},
		{"no host", Dialer{URL: "http://"}, ErrBadURL},
		{"bad transport", Dialer{URL: "http://x", Transports: []string{"smoke"}}, ErrNoTransport},
		{"refused", Dialer{URL: "http://127.0.0.1:1", Timeout: time.Second}, ErrNoTransport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.d.Dial(context.Background(), newRecorder())
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
