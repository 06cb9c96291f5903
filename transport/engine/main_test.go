package engine_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/transporttest"
	"github.com/sockbus/sockbus/transport/ws"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start serves an engine for h on a loopback test server; cfg.Handler and
// cfg.Transports are filled in when empty.
func start(t *testing.T, h transport.Handler, cfg engine.Config) (*engine.Server, string) {
	t.Helper()
	cfg.Handler = h
	if cfg.Transports == nil {
		cfg.Transports = []engine.Transport{polling.New(polling.Config{}), ws.New(ws.Config{})}
	}
	srv, err := engine.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return srv, ts.URL + "/engine.io/"
}

func pairOver(name string) transporttest.MakePair {
	return func(t *testing.T, server, client transport.Handler) transport.Conn {
		_, url := start(t, server, engine.Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cc, err := transporttest.Dial(ctx, url, name, client)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close(nil) })
		return cc
	}
}

func TestConformanceWebSocket(t *testing.T) { transporttest.Run(t, pairOver("websocket")) }
func TestConformancePolling(t *testing.T)   { transporttest.Run(t, pairOver("polling")) }
