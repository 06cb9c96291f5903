//go:build interop

package goclient_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/client"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of the tests.
const wait = 10 * time.Second

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// repoRoot is the module root (where node_modules is).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// missing skips t, or fails it when SOCKBUS_REQUIRE_PEERS=1.
func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("SOCKBUS_REQUIRE_PEERS") == "1" {
		t.Fatalf("%s (SOCKBUS_REQUIRE_PEERS=1)", what)
	}
	t.Skipf("%s; set SOCKBUS_REQUIRE_PEERS=1 to fail instead of skipping", what)
}

// requireNode returns the node binary, checking that the socket.io packages
// are installed.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH")
	}
	for _, pkg := range []string{"socket.io", "socket.io-client"} {
		if _, err := os.Stat(filepath.Join(repoRoot(), "node_modules", pkg, "package.json")); err != nil {
			missing(t, "node_modules/"+pkg+" is not installed (npm ci)")
		}
	}
	return node
}

// nodeProc is a running Node script whose stdout is read line by line.
type nodeProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // closed when stdout ends
}

// startNode runs node on script (in testdata) with args. The process is
// killed at cleanup.
func startNode(t *testing.T, script string, args ...string) *nodeProc {
	t.Helper()
	node := requireNode(t)
	cmd := exec.Command(node, append([]string{filepath.Join("testdata", script)}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", script, err)
	}
	p := &nodeProc{cmd: cmd, stdin: stdin, lines: make(chan string, 1024)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(p.kill)
	return p
}

// kill ends the process and waits for it and its reader. It may be called
// more than once.
func (p *nodeProc) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	for range p.lines { // drain until the reader ends
	}
}

// line waits for the next line starting with prefix (others are skipped)
// and returns the rest of it.
func (p *nodeProc) line(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("node exited while waiting for %q", prefix)
			}
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				return rest
			}
		case <-timeout:
			t.Fatalf("node printed no %q line", prefix)
		}
	}
}

// recorder hands the events of its handler to a channel, in order.
type recorder chan *client.Event

func record() recorder { return make(recorder, 256) }

func (r recorder) h(e *client.Event) { r <- e }

// on records the named events of s.
func (r recorder) on(s *client.Socket, names ...string) recorder {
	for _, n := range names {
		s.On(n, r.h)
	}
	return r
}

// want waits for the next event and fails unless it is named name.
func (r recorder) want(t *testing.T, name string) *client.Event {
	t.Helper()
	select {
	case e := <-r:
		if e.Name != name {
			t.Fatalf("got event %q (err %v, reason %q, args %s), want %q", e.Name, e.Err, e.Reason, e.Args.AppendJSON(nil), name)
		}
		return e
	case <-time.After(wait):
		t.Fatalf("no %q event", name)
	}
	return nil
}

// newManager returns a Manager dialing with dial (fast reconnection, quiet
// logs), closed at cleanup.
func newManager(t *testing.T, dial client.DialFunc) *client.Manager {
	t.Helper()
	m, err := client.New(client.Config{
		Dial:                 dial,
		ReconnectionDelay:    50 * time.Millisecond,
		ReconnectionDelayMax: 300 * time.Millisecond,
		Timeout:              wait,
		Logger:               quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// withTimeout returns a context done after wait, cancelled at cleanup.
func withTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}
