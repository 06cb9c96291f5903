package sockbus_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/transport/engine"
)

func TestNewHandlerPath(t *testing.T) {
	h, err := sockbus.NewHandler(echo{}, engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := h.Config().Path; got != "/socket.io/" {
		t.Errorf("Path = %q", got)
	}
	if _, err := sockbus.NewHandler(nil, engine.Config{}); !errors.Is(err, engine.ErrNoHandler) {
		t.Errorf("nil handler: %v", err)
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestServe serves on a listener, opens a session, then closes the
// listener: Serve returns net.ErrClosed and leaves no goroutine behind.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- sockbus.Serve(ln, echo{}) }()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + ln.Addr().String() + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), `0{"sid":`) {
		t.Errorf("handshake = %q", b)
	}
	ln.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the listener closed")
	}
}

func TestListenAndServeBadAddress(t *testing.T) {
	if err := sockbus.ListenAndServe("127.0.0.1:-1", echo{}); err == nil {
		t.Error("ListenAndServe on a bad address returned nil")
	}
}
