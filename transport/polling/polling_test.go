package polling_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/transporttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t testing.TB, h transport.Handler, cfg polling.Config) *engine.Server {
	srv, err := engine.NewServer(engine.Config{Handler: h, Transports: []engine.Transport{polling.New(cfg)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func serve(srv http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	return w
}

func open(t testing.TB, srv http.Handler) string {
	w := serve(srv, "GET", "/engine.io/?EIO=4&transport=polling", "")
	if w.Code != 200 {
		t.Fatalf("handshake %d", w.Code)
	}
	return w.Body.String()[9:29]
}

func TestCompression(t *testing.T) {
	rec := &transporttest.Recorder{}
	srv := newServer(t, rec, polling.Config{Compression: true})
	sid := open(t, srv)
	q := "/engine.io/?EIO=4&transport=polling&sid=" + sid
	big := strings.Repeat("a", 2000)
	tests := []struct {
		name, data, accept, enc string
	}{
		{"small", "hi", "gzip", ""},
		{"gzip", big, "gzip, deflate", "gzip"},
		{"deflate", big, "deflate", "deflate"},
		{"identity", big, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.Conn().Send(transport.NewMessage([]byte(tt.data), false))
			w := serve(srv, "GET", q, "", "Accept-Encoding", tt.accept)
			if got := w.Header().Get("Content-Encoding"); got != tt.enc {
				t.Fatalf("Content-Encoding = %q, want %q", got, tt.enc)
			}
			var r io.Reader = w.Body
			if tt.enc == "gzip" {
				zr, err := gzip.NewReader(w.Body)
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			}
			if tt.enc == "deflate" {
				r = flate.NewReader(w.Body)
			}
			b, _ := io.ReadAll(r)
			if string(b) != "4"+tt.data {
				t.Errorf("body = %.20q…", b)
			}
		})
	}
}

func TestMaxPayloadSplits(t *testing.T) {
	rec := &transporttest.Recorder{}
	srv := newServer(t, rec, polling.Config{})
	sid := open(t, srv)
	q := "/engine.io/?EIO=4&transport=polling&sid=" + sid
	part := bytes.Repeat([]byte("z"), 400_000)
	for range 3 {
		rec.Conn().Send(transport.NewMessage(part, false))
	}
	var got []int
	for range 2 {
		w := serve(srv, "GET", q, "")
		if w.Body.Len() > 1e6 {
			t.Errorf("payload %d > maxPayload", w.Body.Len())
		}
		got = append(got, strings.Count(w.Body.String(), "\x1e")+1)
	}
	if got[0] != 2 || got[1] != 1 {
		t.Errorf("packets per response = %v, want [2 1]", got)
	}
}

// FuzzPollingPOST sends random bodies through the handler: it must never
// panic, and a body it accepts ("ok") must decode.
func FuzzPollingPOST(f *testing.F) {
	for _, s := range []string{"4hello", "4a\x1e4b", "bAQID", "3", "1", "abc", "", "\x1e", "b!!", "4é\x1eb", "2probe", "5", "6", "0"} {
		f.Add(s)
	}
	rec := &transporttest.Recorder{}
	srv := newServer(f, rec, polling.Config{})
	f.Fuzz(func(t *testing.T, body string) {
		sid := open(t, srv)
		sess := srv.Session(sid)
		w := serve(srv, "POST", "/engine.io/?EIO=4&transport=polling&sid="+sid, body)
		// Like Node, a close packet ends the payload: what follows is ignored.
		err := codec.DecodePayload([]byte(body), func(p codec.EnginePacket) error {
			if p.Type == codec.Close {
				return errStop
			}
			return nil
		})
		if errors.Is(err, errStop) {
			err = nil
		}
		if w.Code == 200 && err != nil {
			t.Errorf("accepted %q that does not decode: %v", body, err)
		}
		if w.Code == 200 && w.Body.String() != "ok" {
			t.Errorf("200 with body %q", w.Body.String())
		}
		if err != nil && w.Code != 400 {
			t.Errorf("bad payload %q answered %d", body, w.Code)
		}
		sess.Close(nil)
	})
}

var errStop = errors.New("stop")

func BenchmarkAppendPayload(b *testing.B) {
	msg := transport.NewMessage([]byte(`2["chat",{"text":"hello world","n":42}]`), false)
	bin := transport.NewMessage(bytes.Repeat([]byte{7}, 256), true)
	pkts := make([]engine.Packet, 0, 64)
	for i := range 64 {
		m := msg
		if i%4 == 3 {
			m = bin
		}
		pkts = append(pkts, engine.Packet{Type: codec.Message, Msg: m})
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = polling.AppendPayload(buf[:0], pkts)
	}
	b.SetBytes(int64(len(buf)))
}
