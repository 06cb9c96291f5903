package tcp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/engineclient"
)

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		size   int
		binary bool
		header int
	}{
		{"empty text", 0, false, 1},
		{"short text", 124, false, 1},
		{"16-bit text", 125, false, 3},
		{"16-bit binary", 65535, true, 3},
		{"64-bit binary", 65536, true, 9},
		{"64-bit text", 70000, false, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := bytes.Repeat([]byte{'x'}, tt.size)
			m := transport.NewMessage(data, tt.binary)
			f := m.Framed(framing, Frame)
			body := tt.size
			if !tt.binary {
				body++
			}
			if got, want := len(f), tt.header+body; got != want {
				t.Fatalf("frame length = %d, want %d", got, want)
			}
			if got := f[0]&0x80 != 0; got != tt.binary {
				t.Errorf("binary bit = %v, want %v", got, tt.binary)
			}
			if g := m.Framed(framing, Frame); &g[0] != &f[0] {
				t.Error("Framed built the frame twice")
			}
			p, err := codec.NewFrameReader(bytes.NewReader(f), 1<<20).Next()
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != codec.Message || p.Binary != tt.binary || !bytes.Equal(p.Data, data) {
				t.Errorf("read back %v binary=%v len=%d", p.Type, p.Binary, len(p.Data))
			}
		})
	}
}

func TestEcho(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", secure), func(t *testing.T) {
			t.Parallel()
			var ec envConfig
			d := &engineclient.Dialer{}
			if secure {
				srvTLS, cliTLS := testTLS(t)
				ec.tls = srvTLS
				d.TLSConfig = cliTLS
			}
			e := newEnv(t, newHub(true), ec)
			d.URL = e.tcpURL()
			if secure {
				d.URL = "tls://" + e.addr
			}
			d.Query = map[string][]string{"room": {"a"}}
			p := dialPeer(t, d)
			for i := range 500 {
				_ = p.conn.Send(transport.NewMessage(fmt.Appendf(nil, "m%d", i), i%3 == 0))
			}
			for i := range 500 {
				m := p.next(t)
				if want := fmt.Sprintf("m%d", i); string(m.Data) != want || m.Binary != (i%3 == 0) {
					t.Fatalf("echo %d = %q binary=%v", i, m.Data, m.Binary)
				}
			}
		})
	}
}

// TestSameEngine: a TCP peer and a WebSocket peer are sessions of one
// engine, and one broadcast message reaches both.
func TestSameEngine(t *testing.T) {
	t.Parallel()
	h := newHub(false)
	e := newEnv(t, h, envConfig{})
	pt := dialPeer(t, &engineclient.Dialer{URL: e.tcpURL()})
	pw := dialPeer(t, &engineclient.Dialer{URL: e.wsURL()})
	pp := dialPeer(t, &engineclient.Dialer{URL: e.http.URL, NoUpgrade: true})
	h.waitFor(t, "three sessions", func() bool { return len(h.conns) == 3 })
	h.mu.Lock()
	names := map[string]bool{}
	for _, n := range h.conns {
		names[n] = true
	}
	h.mu.Unlock()
	if !names["tcp"] || !names["websocket"] || !names["polling"] {
		t.Fatalf("transports = %v", names)
	}
	if e.eng.Len() != 3 {
		t.Errorf("engine sessions = %d, want 3", e.eng.Len())
	}
	h.broadcast(transport.NewMessage([]byte("hello all"), false))
	h.broadcast(transport.NewMessage([]byte{0, 1, 2}, true))
	for _, p := range []*peer{pt, pw, pp} {
		if m := p.next(t); string(m.Data) != "hello all" || m.Binary {
			t.Errorf("got %q", m.Data)
		}
		if m := p.next(t); !bytes.Equal(m.Data, []byte{0, 1, 2}) || !m.Binary {
			t.Errorf("got %q", m.Data)
		}
	}
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	// The timeout leaves room for a pong delayed by a loaded machine; a
	// client that did not pong would still be dropped within the wait.
	e := newEnv(t, newHub(true), envConfig{engine: engine.Config{PingInterval: 50 * time.Millisecond, PingTimeout: 300 * time.Millisecond}})
	p := dialPeer(t, &engineclient.Dialer{URL: e.tcpURL()})
	// Several heartbeats pass and the session stays up (the client pongs).
	select {
	case <-p.closed:
		t.Fatalf("closed: %v", p.err)
	case <-time.After(time.Second):
	}
	_ = p.conn.Send(transport.NewMessage([]byte("still here"), false))
	if m := p.next(t); string(m.Data) != "still here" {
		t.Fatalf("got %q", m.Data)
	}
}

// rawOpen dials the listener, sends the opening frame and reads the open
// packet.
func rawOpen(t *testing.T, addr string) (net.Conn, *codec.FrameReader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	if _, err := nc.Write(codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open})); err != nil {
		t.Fatal(err)
	}
	fr := codec.NewFrameReader(nc, 1<<20)
	_ = nc.SetReadDeadline(time.Now().Add(wait))
	p, err := fr.Next()
	if err != nil || p.Type != codec.Open || !bytes.Contains(p.Data, []byte(`"upgrades":[]`)) {
		t.Fatalf("open packet %v %q: %v", p.Type, p.Data, err)
	}
	return nc, fr
}

// TestBadFrames: a bad frame closes that connection only.
func TestBadFrames(t *testing.T) {
	t.Parallel()
	h := newHub(true)
	e := newEnv(t, h, envConfig{engine: engine.Config{MaxPayload: 100}})
	good := dialPeer(t, &engineclient.Dialer{URL: e.tcpURL()})
	tests := []struct {
		name  string
		frame []byte
	}{
		{"unknown type", []byte{1, '9'}},
		{"empty body", []byte{0}},
		{"too large", codec.AppendFrameHeader(nil, 1000, false)},
		{"open again", []byte{1, '0'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, fr := rawOpen(t, e.addr)
			if _, err := nc.Write(tt.frame); err != nil {
				t.Fatal(err)
			}
			for { // the server closes the connection (maybe after a close packet)
				if _, err := fr.Next(); err != nil {
					if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
						var ne net.Error
						if errors.As(err, &ne) && ne.Timeout() {
							t.Fatal("connection not closed")
						}
					}
					break
				}
			}
		})
	}
	h.waitFor(t, "bad sessions gone", func() bool { return len(h.conns) == 1 })
	_ = good.conn.Send(transport.NewMessage([]byte("ok"), false))
	if m := good.next(t); string(m.Data) != "ok" {
		t.Fatalf("good peer got %q", m.Data)
	}
}

func TestBadOpen(t *testing.T) {
	t.Parallel()
	h := newHub(true)
	e := newEnv(t, h, envConfig{tcp: Config{HandshakeTimeout: 200 * time.Millisecond}})
	tests := []struct {
		name  string
		frame []byte
	}{
		{"message first", codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Message, Data: []byte("x")})},
		{"binary open", []byte{0x81, '0'}},
		{"bad json", codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open, Data: []byte("{")})},
		{"resume", codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open, Data: []byte(`{"sid":"x"}`)})},
		{"refused", codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open, Data: []byte(`{"query":{"refuse":["1"]}}`)})},
		{"silent", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			nc, err := net.Dial("tcp", e.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_, _ = nc.Write(tt.frame)
			_ = nc.SetReadDeadline(time.Now().Add(wait))
			b, err := io.ReadAll(nc)
			if err != nil || len(b) != 0 {
				t.Errorf("read %q, %v; want a bare close", b, err)
			}
		})
	}
	if n := e.eng.Len(); n != 0 {
		t.Errorf("sessions = %d", n)
	}
}

// TestSlowConsumer: a peer that stops reading is closed with
// ErrSlowConsumer once its outbox overflows, and its connection is closed at
// once (Abort), not when the stuck write times out. The peer is a net.Pipe,
// which buffers nothing, so the writer is stuck from the first message.
func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	h := newHub(false)
	e := newEnv(t, h, envConfig{engine: engine.Config{MaxOutboxMessages: 64, WriteTimeout: time.Hour}})
	client, server := net.Pipe()
	t.Cleanup(func() { _ = client.Close() })
	e.tcp.Handle(server)
	if _, err := client.Write(codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open})); err != nil {
		t.Fatal(err)
	}
	if p, err := codec.NewFrameReader(client, 1<<20).Next(); err != nil || p.Type != codec.Open {
		t.Fatalf("open packet %v: %v", p.Type, err)
	}
	h.waitFor(t, "session", func() bool { return len(h.conns) == 1 })
	big := transport.NewMessage(bytes.Repeat([]byte("x"), 64<<10), false)
	for range 10000 {
		h.broadcast(big)
		h.mu.Lock()
		n := len(h.conns)
		h.mu.Unlock()
		if n == 0 {
			break
		}
	}
	h.waitFor(t, "slow consumer closed", func() bool { return len(h.conns) == 0 && len(h.reasons) == 1 })
	h.mu.Lock()
	reason := h.reasons[0]
	h.mu.Unlock()
	if !errors.Is(reason, transport.ErrSlowConsumer) {
		t.Errorf("reason = %v, want slow consumer", reason)
	}
	waitUntil(t, "connection closed", func() bool {
		e.tcp.mu.Lock()
		defer e.tcp.mu.Unlock()
		return len(e.tcp.conns) == 0
	})
}

// waitUntil polls cond until it holds or wait passes.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestServerClose: engine shutdown reaches TCP peers as a close packet.
func TestServerShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newHub(true), envConfig{})
	p := dialPeer(t, &engineclient.Dialer{URL: e.tcpURL()})
	_ = e.eng.Close()
	if err := p.reason(t); !errors.Is(err, transport.ErrTransportClose) {
		t.Errorf("reason = %v, want transport close", err)
	}
}

// testTLS returns a server config with a fresh self-signed certificate for
// 127.0.0.1 and a client config trusting it.
func testTLS(t testing.TB) (srv, cli *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sockbus test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	srv = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return srv, &tls.Config{RootCAs: pool}
}
