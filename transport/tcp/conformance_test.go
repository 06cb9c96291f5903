package tcp

import (
	"context"
	"net"
	"testing"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/transporttest"
)

// tcpPair serves an engine with only the TCP listener for server and dials
// it with engineclient over tcp for client.
func tcpPair(t *testing.T, server, client transport.Handler) transport.Conn {
	t.Helper()
	eng, err := engine.NewServer(engine.Config{
		Handler:    server,
		Transports: []engine.Transport{polling.New(polling.Config{})}, // the engine requires one; only tcp is served
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Config{Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		_ = eng.Close()
		_ = srv.Close()
	})
	dctx, dcancel := context.WithTimeout(context.Background(), wait)
	defer dcancel()
	d := &engineclient.Dialer{URL: "tcp://" + ln.Addr().String()}
	cc, err := d.Dial(dctx, client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close(nil) })
	return cc
}

// TestConformance runs the transport contract suite over the TCP transport
// (server side: this package; client side: engineclient's tcp dialer).
func TestConformance(t *testing.T) { transporttest.Run(t, tcpPair) }
