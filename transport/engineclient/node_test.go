//go:build interop

package engineclient

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sockbus/sockbus/transport"
)

// startNode runs testdata/echo.js with opts and returns its base URL.
func startNode(t *testing.T, opts string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	root, _ := filepath.Abs("../..")
	cmd := exec.Command("node", "testdata/echo.js", opts)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(root, "node_modules"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	return "127.0.0.1:" + strings.TrimSpace(port)
}

func TestNodeInterop(t *testing.T) {
	host := startNode(t, "{}")
	tests := []struct {
		name      string
		d         Dialer
		first     string // transport of the handshake
		transport string // expected once the session settles
	}{
		{"websocket", Dialer{URL: "ws://" + host}, WebSocket, WebSocket},
		{"polling", Dialer{URL: "http://" + host, NoUpgrade: true}, Polling, Polling},
		{"polling-upgrade", Dialer{URL: "http://" + host}, Polling, WebSocket},
		{"websocket-first", Dialer{URL: "http://" + host, Transports: []string{WebSocket, Polling}}, WebSocket, WebSocket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.d.Path = "/engine.io/"
			r := newRecorder()
			c := dial(t, &tt.d, r)
			hs := <-r.opened
			if hs.Transport != tt.first {
				t.Errorf("handshake transport = %q, want %q", hs.Transport, tt.first)
			}
			if len(c.ID()) != 20 {
				t.Errorf("sid %q is not a 20-char base64id", c.ID())
			}
			echoRoundTrip(t, c, r, 200, nil)
			waitFor(t, "transport "+tt.transport, func() bool { return c.carrying.Load() == tt.transport })
			echoRoundTrip(t, c, r, 200, nil)
			// Outlive several heartbeats (300+200 ms): pongs keep it open.
			select {
			case err := <-r.closed:
				t.Fatalf("closed: %v", err)
			case <-time.After(1500 * time.Millisecond):
			}
			closeAndWait(t, c, r)
		})
	}
}

// TestNodeUpgradeInFlight sends both ways while the upgrade happens: every
// message arrives once, in order.
func TestNodeUpgradeInFlight(t *testing.T) {
	host := startNode(t, "{}")
	r := newRecorder()
	c := dial(t, &Dialer{URL: "http://" + host, Path: "/engine.io/"}, r)
	<-r.opened
	echoRoundTrip(t, c, r, 3000, nil)
	if c.carrying.Load() != WebSocket {
		t.Log("upgrade finished after the burst")
	}
	waitFor(t, "upgrade", func() bool { return c.carrying.Load() == WebSocket })
	closeAndWait(t, c, r)
}

func TestNodeServerClose(t *testing.T) {
	host := startNode(t, "{}")
	for _, u := range []string{"ws://" + host, "http://" + host} {
		t.Run(u[:2], func(t *testing.T) {
			r := newRecorder()
			c := dial(t, &Dialer{URL: u, Path: "/engine.io/", NoUpgrade: true}, r)
			<-r.opened
			_ = c.Send(transport.NewMessage([]byte("close"), false))
			if err := r.closeReason(t); !errors.Is(err, transport.ErrTransportClose) {
				t.Fatalf("reason = %v, want %v", err, transport.ErrTransportClose)
			}
			<-c.done
		})
	}
}
