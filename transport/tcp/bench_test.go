package tcp

import (
	"testing"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engineclient"
)

// benchEcho measures echo round trips (one message out, its echo back) over
// one session dialled with d.
func benchEcho(b *testing.B, url func(*env) string) {
	e := newEnv(b, newHub(true), envConfig{})
	p := dialPeer(b, &engineclient.Dialer{URL: url(e)})
	m := transport.NewMessage([]byte(`2["echo",{"n":1,"text":"hello"}]`), false)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := p.conn.Send(m); err != nil {
			b.Fatal(err)
		}
		p.next(b)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

func BenchmarkEchoTCP(b *testing.B) { benchEcho(b, (*env).tcpURL) }

func BenchmarkEchoWS(b *testing.B) { benchEcho(b, (*env).wsURL) }
