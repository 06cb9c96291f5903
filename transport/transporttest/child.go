package transporttest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
)

// Child is a helper process for benchmarks that must keep their clients'
// CPU out of the server's measurement: the test binary run again with one
// test selected and one environment variable set. The two talk in lines:
// the child prints "ready" when it is, and "ok" after each command it
// completed. A Child is used by one goroutine.
type Child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// StartChild runs the test binary with -test.run=^test$ and env (a
// "NAME=value" entry) added to the environment, and waits for "ready".
func StartChild(tb testing.TB, test, env string) *Child {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &Child{cmd: cmd, in: in, out: bufio.NewReader(out)}
	c.expect(tb, "ready")
	return c
}

// Command sends line to the child and waits for its "ok".
func (c *Child) Command(tb testing.TB, line string) {
	tb.Helper()
	if _, err := fmt.Fprintln(c.in, line); err != nil {
		c.Close()
		tb.Fatal(err)
	}
	c.expect(tb, "ok")
}

func (c *Child) expect(tb testing.TB, want string) {
	tb.Helper()
	if line, err := c.out.ReadString('\n'); err != nil || line != want+"\n" {
		c.Close()
		tb.Fatalf("child: %q %v, want %q", line, err, want)
	}
}

// Close closes the child's stdin, which tells it to end, and waits for it.
func (c *Child) Close() {
	_ = c.in.Close()
	_ = c.cmd.Wait()
}
