package tcp

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/polling"
)

// FuzzTCPOpen feeds random first bytes to a connection: the server never
// panics, sends the open packet before anything else, and always ends the
// connection once the peer goes away.
func FuzzTCPOpen(f *testing.F) {
	f.Add(codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open}))
	f.Add(codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open, Data: []byte(`{"query":{"a":["b"]}}`)}))
	f.Add(codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open, Data: []byte(`{"sid":"x"}`)}))
	f.Add([]byte{0x81, '0'})
	f.Add([]byte{127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(append(codec.AppendFrame(nil, codec.EnginePacket{Type: codec.Open}), 2, '4', 'x', 1, '1'))
	h := newHub(true)
	eng, err := engine.NewServer(engine.Config{Handler: h, Transports: []engine.Transport{polling.New(polling.Config{})}, MaxPayload: 1000})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := NewServer(Config{Engine: eng, HandshakeTimeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		_ = eng.Close()
		_ = srv.Close()
	})
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		srv.Handle(server)
		go func() {
			_, _ = client.Write(in)
			_ = client.Close()
		}()
		_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
		fr := codec.NewFrameReader(client, 1<<20)
		first := true
		for {
			p, err := fr.Next()
			if err != nil {
				break
			}
			// Even a session that ends at once sends its open packet first.
			if first && p.Type != codec.Open {
				t.Fatalf("first packet from the server is %v", p.Type)
			}
			first = false
		}
		_, _ = io.Copy(io.Discard, client)
	})
}
