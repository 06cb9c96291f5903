package sockbus_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

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

func TestListenAndServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	go sockbus.ListenAndServe(addr, echo{}) //nolint: the server lives until the test binary exits
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/socket.io/?EIO=4&transport=polling"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.HasPrefix(string(b), `0{"sid":`) {
		t.Errorf("handshake = %q", b)
	}
}
