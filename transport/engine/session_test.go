package engine_test

import (
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/transporttest"
)

// nopWriter is a Writer that is never woken into writing: tests Take by hand.
type nopWriter struct{}

func (*nopWriter) Wake() {}

// TestEndBeforeOpenTaken: a session that ends before its writer took the
// open packet still sends it first, then the packet of its end.
func TestEndBeforeOpenTaken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(srv *engine.Server, s *engine.Session, w engine.Writer)
		want []codec.EngineType
	}{
		{"fail", func(_ *engine.Server, s *engine.Session, w engine.Writer) { s.Fail(w, transport.ErrParse) }, []codec.EngineType{codec.Open, codec.Close}},
		{"peer close", func(_ *engine.Server, s *engine.Session, w engine.Writer) {
			_ = s.Receive(w, codec.EnginePacket{Type: codec.Close})
		}, []codec.EngineType{codec.Open, codec.Noop}},
		{"bad packet", func(_ *engine.Server, s *engine.Session, w engine.Writer) {
			_ = s.Receive(w, codec.EnginePacket{Type: codec.Open})
		}, []codec.EngineType{codec.Open, codec.Close}},
		{"close", func(_ *engine.Server, s *engine.Session, _ engine.Writer) { _ = s.Close(nil) }, []codec.EngineType{codec.Open, codec.Close}},
		{"server close", func(srv *engine.Server, _ *engine.Session, _ engine.Writer) { _ = srv.Close() }, []codec.EngineType{codec.Open, codec.Close}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, err := engine.NewServer(engine.Config{Handler: &transporttest.Recorder{}, Transports: []engine.Transport{polling.New(polling.Config{})}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			w := &nopWriter{}
			s, err := srv.Open(w, transport.Handshake{Transport: "tcp"})
			if err != nil {
				t.Fatal(err)
			}
			tt.end(srv, s, w)
			pkts, done := s.Take(w, nil, 0)
			var got []codec.EngineType
			for _, p := range pkts {
				got = append(got, p.Type)
			}
			if !slices.Equal(got, tt.want) || !done {
				t.Errorf("Take = %v, done %v; want %v, done", got, done, tt.want)
			}
		})
	}
}

// gate is a Handler whose OnOpen waits for release.
type gate struct {
	transporttest.Recorder
	opening chan struct{}
	release chan struct{}
}

func (g *gate) OnOpen(c transport.Conn, hs transport.Handshake) error {
	close(g.opening)
	<-g.release
	return g.Recorder.OnOpen(c, hs)
}

// TestCloseDuringOpen: a session whose OnOpen runs while the server closes
// is not left registered and running; it closes with ErrServerShutdown.
func TestCloseDuringOpen(t *testing.T) {
	t.Parallel()
	g := &gate{opening: make(chan struct{}), release: make(chan struct{})}
	srv, err := engine.NewServer(engine.Config{Handler: g, Transports: []engine.Transport{polling.New(polling.Config{})}})
	if err != nil {
		t.Fatal(err)
	}
	w := &nopWriter{}
	opened := make(chan *engine.Session, 1)
	go func() {
		s, _ := srv.Open(w, transport.Handshake{Transport: "tcp"})
		opened <- s
	}()
	<-g.opening
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	s := <-opened
	if s == nil {
		t.Fatal("Open refused")
	}
	if !g.Wait(5*time.Second, func(_ []*transport.Message, r []error) bool { return len(r) == 1 }) {
		t.Fatal("OnClose not called")
	}
	if r := g.Reasons()[0]; !errors.Is(r, transport.ErrServerShutdown) {
		t.Errorf("reason = %v, want ErrServerShutdown", r)
	}
	if n := srv.Len(); n != 0 {
		t.Errorf("sessions = %d, want 0", n)
	}
	if err := s.Send(transport.NewMessage([]byte("x"), false)); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Send = %v, want ErrClosed", err)
	}
	_ = srv.Close()
}

// FuzzQuery: the route's raw query lookup agrees with url.Values.Get on
// every query url.ParseQuery accepts.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"EIO=4&transport=polling", "sid=a%2Bb&sid=c", "transport=web+socket", "a=1;b=2", "EI%4F=4", "x", "&&=", "t=%zz"} {
		f.Add(s, "sid")
		f.Add(s, "EIO")
		f.Add(s, "transport")
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		want, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if got := engine.Query(raw, key); got != want.Get(key) {
			t.Errorf("query(%q).Get(%q) = %q, want %q", raw, key, got, want.Get(key))
		}
	})
}

// TestUpgradeRightAfterProbe: a "5" read before the WebSocket took its
// 3probe (both frames in one read) still sends the 3probe, first, then the
// outbox.
func TestUpgradeRightAfterProbe(t *testing.T) {
	t.Parallel()
	srv, err := engine.NewServer(engine.Config{Handler: &transporttest.Recorder{}, Transports: []engine.Transport{polling.New(polling.Config{})}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	poll, ws := &nopWriter{}, &nopWriter{}
	s, err := srv.Open(poll, transport.Handshake{Transport: "polling"})
	if err != nil {
		t.Fatal(err)
	}
	if pkts, _ := s.Take(poll, nil, 0); len(pkts) != 1 || pkts[0].Type != codec.Open {
		t.Fatalf("first poll = %v, want the open packet", pkts)
	}
	if err := s.Probe(ws); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(transport.NewMessage([]byte("queued"), false)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []codec.EnginePacket{{Type: codec.Ping, Data: []byte("probe")}, {Type: codec.Upgrade}} {
		if err := s.Receive(ws, p); err != nil {
			t.Fatalf("Receive(%v): %v", p.Type, err)
		}
	}
	pkts, done := s.Take(ws, nil, 0)
	var got []string
	for _, p := range pkts {
		got = append(got, string(codec.AppendEngine(nil, p.Engine())))
	}
	if want := []string{"3probe", "4queued"}; !slices.Equal(got, want) || done {
		t.Errorf("WebSocket Take = %q, done %v; want %q", got, done, want)
	}
	if s.Transport() != "websocket" {
		t.Errorf("transport = %q, want websocket", s.Transport())
	}
}
