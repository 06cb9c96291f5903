package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
	"github.com/sockbus/sockbus/transport/tcp"
)

// echoServer is a sockbus server on loopback whose "echo" event is
// acknowledged with its own arguments, served over HTTP (polling,
// WebSocket) and TCP on the same engine.
type echoServer struct {
	httpURL, tcpURL string
}

func startEchoServer(b *testing.B) *echoServer {
	b.Helper()
	srv, err := bus.NewServer(bus.Config{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	srv.Of("/").OnConnection(func(s *bus.Socket) {
		s.On("echo", func(e *bus.Event) { _ = e.Ack(e.Args) })
	})
	h, err := sockbus.NewHandler(srv, engine.Config{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ts, err := tcp.NewServer(tcp.Config{Engine: h.Server})
	if err != nil {
		b.Fatal(err)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 2)
	go func() {
		if err := hs.Serve(hl); !errors.Is(err, http.ErrServerClosed) {
			served <- err
			return
		}
		served <- nil
	}()
	go func() { served <- ts.Serve(ctx, tl) }()
	b.Cleanup(func() {
		_ = srv.Close()
		cancel()
		_ = hs.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := errors.Join(<-served, <-served, h.Shutdown(sctx), ts.Close()); err != nil {
			b.Errorf("stop: %v", err)
		}
	})
	return &echoServer{httpURL: "http://" + hl.Addr().String(), tcpURL: "tcp://" + tl.Addr().String()}
}

// connect returns a connected client socket dialed with d.
func connect(b *testing.B, d *engineclient.Dialer) *client.Socket {
	b.Helper()
	m, err := client.New(client.Config{Dial: d.Dial, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close() })
	s := m.Socket("/", client.SocketConfig{})
	connected := make(chan error, 1)
	s.Once("connect", func(*client.Event) { connected <- nil })
	s.Once("connect_error", func(e *client.Event) { connected <- e.Err })
	s.Connect()
	select {
	case err := <-connected:
		if err != nil {
			b.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		b.Fatal("connect timed out")
	}
	return s
}

// BenchmarkEchoAck measures EmitWithAck round trips from the Go client to a
// sockbus server on loopback, over TCP and over WebSocket: one in flight
// ("serial"), then 8 per GOMAXPROCS on one socket ("parallel"). rt/s is
// round trips per second.
func BenchmarkEchoAck(b *testing.B) {
	srv := startEchoServer(b)
	for _, bc := range []struct {
		name string
		d    *engineclient.Dialer
	}{
		{"tcp", &engineclient.Dialer{URL: srv.tcpURL, Logger: quiet}},
		{"websocket", &engineclient.Dialer{URL: srv.httpURL, Transports: []string{engineclient.WebSocket}, Logger: quiet}},
	} {
		s := connect(b, bc.d)
		b.Run(bc.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				echo(b, s)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rt/s")
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					echo(b, s)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rt/s")
		})
	}
}

// echo makes one acknowledged round trip.
func echo(b *testing.B, s *client.Socket) {
	args, err := s.EmitWithAck(context.Background(), "echo", "hello", 42)
	if err != nil {
		b.Error(err)
		return
	}
	if args.Len() != 2 {
		b.Errorf("ack has %d arguments", args.Len())
	}
}
