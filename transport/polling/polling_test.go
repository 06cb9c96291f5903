package polling_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestCloseAfterQueued: a session closed with messages queued delivers them,
// then its close packet alone in a later poll (like Node), then is gone. A
// close sharing a payload with the messages makes socket.io-client lose
// DISCONNECT packets (it handles "1" before them).
func TestCloseAfterQueued(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pending bool // a GET is in flight when the messages are sent
	}{
		{"idle", false},
		{"pending GET", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &transporttest.Recorder{}
			srv := newServer(t, rec, polling.Config{})
			sid := open(t, srv)
			q := "/engine.io/?EIO=4&transport=polling&sid=" + sid
			sess := srv.Session(sid)
			var first chan *httptest.ResponseRecorder
			if tt.pending {
				first = make(chan *httptest.ResponseRecorder, 1)
				go func() { first <- serve(srv, "GET", q, "") }()
				waitFor(t, func() bool { return polling.Getting(sess) })
			}
			err := sess.Send(transport.NewMessage([]byte("1"), false), transport.NewMessage([]byte("1/admin,"), false))
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Close(nil); err != nil {
				t.Fatal(err)
			}
			var got []string
			if tt.pending {
				w := <-first
				got = append(got, w.Body.String())
			}
			for len(got) < 3 {
				w := serve(srv, "GET", q, "")
				if w.Code != 200 {
					got = append(got, strconv.Itoa(w.Code))
					break
				}
				got = append(got, w.Body.String())
			}
			want := []string{"41\x1e41/admin,", "1", "400"}
			if !slices.Equal(got, want) {
				t.Errorf("payloads = %q, want %q", got, want)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(time.Millisecond)
	}
}
