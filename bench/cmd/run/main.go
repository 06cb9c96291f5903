// Command run drives the sockbus load harness: it starts each server (sockbus
// and its peers) pinned to CPU 0, runs every scenario of bench/load pinned
// to CPU 1, interleaves servers (order rotated per run), repeats each
// (scenario, server) pair, and writes a markdown table of medians with min,
// max and sockbus/peer ratios plus an SVG chart.
//
// It is normally started by bench/run.sh, which builds the binaries first.
// Every child runs in its own process group with a parent-death signal and
// a timeout, and is killed when its step ends, on failure, and on SIGINT or
// SIGTERM, so no server outlives the run.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	quick    bool
	runs     int
	servers  string
	only     string
	bin      string
	root     string
	out      string
	logs     string
	pin      bool
	deadline time.Duration
	note     string
	command  string
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "small N, short durations, 1 run: finishes in under 3 minutes")
	flag.IntVar(&o.runs, "runs", 0, "runs per (scenario, server); default 3, or 1 with -quick")
	flag.StringVar(&o.servers, "servers", "sockbus,node,zishang,naive", "comma-separated servers")
	flag.StringVar(&o.only, "scenarios", "", "comma-separated scenario ids or prefixes (default all)")
	flag.StringVar(&o.bin, "bin", "", "directory with the built binaries (load, naive, zishang, sockbus-server)")
	flag.StringVar(&o.root, "root", ".", "repository root")
	flag.StringVar(&o.out, "out", "bench/results", "results directory (relative to -root)")
	flag.StringVar(&o.logs, "logs", "", "directory for server and load logs (default a temp dir)")
	flag.BoolVar(&o.pin, "pin", true, "pin the server to CPU 0 and the load generator to CPU 1 with taskset")
	flag.DurationVar(&o.deadline, "deadline", 0, "hard limit for the whole run (default 90m, or 4m with -quick)")
	flag.StringVar(&o.note, "note", "", "note to print above the results table")
	flag.StringVar(&o.command, "command", "", "the command line to record in the results (default: this process's)")
	flag.Parse()
	if o.runs <= 0 {
		o.runs = 3
		if o.quick {
			o.runs = 1
		}
	}
	if o.deadline <= 0 {
		o.deadline = 90 * time.Minute
		if o.quick {
			o.deadline = 4 * time.Minute
		}
	}
	if o.command == "" {
		o.command = strings.Join(os.Args, " ")
	}
	os.Exit(run(o))
}

// procs tracks running children so a signal or a deadline can kill them.
var procs = struct {
	sync.Mutex
	m map[int]struct{}
}{m: map[int]struct{}{}}

func track(pid int)   { procs.Lock(); procs.m[pid] = struct{}{}; procs.Unlock() }
func untrack(pid int) { procs.Lock(); delete(procs.m, pid); procs.Unlock() }

func killAll() {
	procs.Lock()
	defer procs.Unlock()
	for pid := range procs.m {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

func run(o options) int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "run: %v: killing children\n", s)
		killAll()
		os.Exit(130)
	}()
	deadline := time.AfterFunc(o.deadline, func() {
		fmt.Fprintf(os.Stderr, "run: deadline %v reached: killing children\n", o.deadline)
		killAll()
		os.Exit(124)
	})
	defer deadline.Stop()
	defer killAll()

	if o.bin == "" {
		fmt.Fprintln(os.Stderr, "run: -bin is required (use bench/run.sh)")
		return 2
	}
	if o.logs == "" {
		d, err := os.MkdirTemp("", "sockbus-bench-logs-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "run:", err)
			return 2
		}
		o.logs = d
	}
	if o.pin && (runtime.NumCPU() < 2 || exec.Command("taskset", "-V").Run() != nil) {
		fmt.Fprintln(os.Stderr, "run: fewer than 2 CPUs or no taskset: not pinning")
		o.pin = false
	}
	scens := scenarios(o.quick)
	if o.only != "" {
		scens = slices.DeleteFunc(scens, func(s scenario) bool { return !matches(o.only, s.id) })
	}
	var servers []server
	var missing []string
	for _, name := range strings.Split(o.servers, ",") {
		s, err := lookupServer(o, strings.TrimSpace(name))
		if err != nil {
			fmt.Fprintf(os.Stderr, "run: server %s unavailable: %v\n", name, err)
			missing = append(missing, fmt.Sprintf("%s (%v)", name, err))
			continue
		}
		servers = append(servers, s)
	}
	if len(servers) == 0 || len(scens) == 0 {
		fmt.Fprintln(os.Stderr, "run: nothing to run")
		return 2
	}
	fmt.Fprintf(os.Stderr, "run: %d scenarios x %d servers x %d runs; logs in %s\n", len(scens), len(servers), o.runs, o.logs)

	t0 := time.Now()
	results := map[key][]sample{}
	var failures []string
	for r := range o.runs {
		for _, sc := range scens {
			order := rotate(servers, r)
			for _, srv := range order {
				res, err := runOne(o, srv, sc, r)
				results[key{sc.id, srv.name}] = append(results[key{sc.id, srv.name}], sample{res: res, err: err})
				status := "ok"
				if err != nil {
					status = "FAIL: " + err.Error()
					failures = append(failures, fmt.Sprintf("run %d %s %s: %v", r+1, sc.id, srv.name, err))
				}
				base := runResult(results, sc.baseline, srv.name, r)
				fmt.Fprintf(os.Stderr, "[run %d/%d %5.0fs] %-15s %-8s %s %s\n", r+1, o.runs, time.Since(t0).Seconds(), sc.id, srv.name, brief(sc, res, base), status)
			}
		}
	}
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = s.name
	}
	rep := report{opts: o, scens: scens, servers: names, results: results, failures: failures, missing: missing, elapsed: time.Since(t0)}
	md := rep.markdown()
	fmt.Print(md)
	if err := rep.write(); err != nil {
		fmt.Fprintln(os.Stderr, "run: writing results:", err)
		return 1
	}
	if len(failures) > 0 || len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "run: %d failed steps, %d missing servers (see above; logs in %s)\n", len(failures), len(missing), o.logs)
		return 1
	}
	return 0
}

func matches(list, id string) bool {
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" && strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func rotate[T any](s []T, r int) []T {
	k := r % len(s)
	return append(slices.Clone(s[k:]), s[:k]...)
}

type key struct{ scen, server string }

// runResult is the result of run r of (scen, server), nil if there is none
// or the run failed.
func runResult(results map[key][]sample, scen, server string, r int) *loadResult {
	s := results[key{scen, server}]
	if scen == "" || r >= len(s) || s[r].err != nil {
		return nil
	}
	return s[r].res
}

type sample struct {
	res *loadResult
	err error
}

// server knows how to start one implementation.
type server struct {
	name    string
	version string
	argv    func(addr string) []string
	dir     string
}

func lookupServer(o options, name string) (server, error) {
	bin := func(b string) (string, error) {
		p := filepath.Join(o.bin, b)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("binary %s not built", b)
		}
		return p, nil
	}
	switch name {
	case "node":
		js := filepath.Join(o.root, "bench/peers/node/server.js")
		if _, err := os.Stat(js); err != nil {
			return server{}, err
		}
		if _, err := exec.LookPath("node"); err != nil {
			return server{}, err
		}
		return server{name: name, argv: func(a string) []string { return []string{"node", js, "--addr", a} }}, nil
	case "zishang", "naive", "sockbus":
		b := name
		if name == "sockbus" {
			b = "sockbus-server"
		}
		p, err := bin(b)
		if err != nil {
			return server{}, err
		}
		return server{name: name, argv: func(a string) []string { return []string{p, "-addr", a} }}, nil
	}
	return server{}, fmt.Errorf("unknown server %q", name)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func pinned(o options, cpu int, argv []string) []string {
	if !o.pin {
		return argv
	}
	return append([]string{"taskset", "-c", strconv.Itoa(cpu)}, argv...)
}

// child is a started process in its own process group.
type child struct {
	pid    int
	exited chan struct{} // closed once the process was reaped
	err    error         // Wait's result, valid after exited
}

// start runs argv in its own process group, dying with this process.
func start(argv []string, dir string, stdout, stderr io.Writer) (*child, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{pid: cmd.Process.Pid, exited: make(chan struct{})}
	track(c.pid)
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// stop sends SIGTERM to the child's process group, SIGKILL after grace,
// and waits until the child is reaped.
func (c *child) stop(grace time.Duration) {
	if grace > 0 {
		_ = syscall.Kill(-c.pid, syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(grace):
		}
	}
	_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		fmt.Fprintf(os.Stderr, "run: pid %d not reaped 10s after SIGKILL\n", c.pid)
	}
	untrack(c.pid)
}

// runOne starts srv, waits until it accepts, runs one load scenario against
// it and kills it.
func runOne(o options, srv server, sc scenario, r int) (*loadResult, error) {
	tag := fmt.Sprintf("run%d-%s-%s", r+1, sc.id, srv.name)
	slog, err := os.Create(filepath.Join(o.logs, tag+".server.log"))
	if err != nil {
		return nil, err
	}
	defer slog.Close()
	var srvc *child
	var addr string
	// A port picked by the kernel can be taken again before the server binds
	// it (load generator sockets use the same range), so retry on exit.
	for attempt := 0; ; attempt++ {
		if addr, err = freeAddr(); err != nil {
			return nil, err
		}
		srvc, err = start(pinned(o, 0, srv.argv(addr)), o.root, slog, slog)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", srv.name, err)
		}
		err = waitListening(addr, srvc.exited, 20*time.Second)
		if err == nil {
			break
		}
		srvc.stop(0)
		if attempt == 2 {
			return nil, fmt.Errorf("%s did not start: %w (log %s)", srv.name, err, slog.Name())
		}
	}
	defer srvc.stop(2 * time.Second)
	args := append([]string{filepath.Join(o.bin, "load"), "-url", "ws://" + addr, "-server", srv.name,
		"-pid", strconv.Itoa(srvc.pid), "-timeout", sc.timeout.String()}, sc.args...)
	llog, err := os.Create(filepath.Join(o.logs, tag+".load.log"))
	if err != nil {
		return nil, err
	}
	defer llog.Close()
	var out bytes.Buffer
	lc, err := start(pinned(o, 1, args), o.root, &out, llog)
	if err != nil {
		return nil, fmt.Errorf("start load: %w", err)
	}
	var werr error
	select {
	case <-lc.exited:
		werr = lc.err
		untrack(lc.pid)
	case <-time.After(sc.timeout + 30*time.Second):
		lc.stop(0)
		werr = fmt.Errorf("load generator timed out after %v", sc.timeout+30*time.Second)
	}
	_, _ = llog.Write(out.Bytes())
	res := parseResult(out.Bytes())
	select {
	case <-srvc.exited:
		return res, fmt.Errorf("%s exited during the run (log %s)", srv.name, slog.Name())
	default:
	}
	if res == nil {
		return nil, fmt.Errorf("no result from load generator: %v (log %s)", werr, llog.Name())
	}
	if !res.OK || werr != nil {
		return res, fmt.Errorf("%s (log %s)", res.Error, llog.Name())
	}
	return res, nil
}

func waitListening(addr string, exited <-chan struct{}, d time.Duration) error {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		select {
		case <-exited:
			return errors.New("process exited")
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not listening on %s after %v", addr, d)
}

func parseResult(b []byte) *loadResult {
	var last *loadResult
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r loadResult
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Scenario != "" {
			last = &r
		}
	}
	return last
}

// brief is the one-line progress summary of a result; base is the same
// run's baseline result, if any.
func brief(sc scenario, r, base *loadResult) string {
	if r == nil {
		return ""
	}
	var parts []string
	for _, m := range sc.metrics {
		if v, ok := m.value(r, base); ok {
			parts = append(parts, fmt.Sprintf("%s=%s", m.short, fmtNum(v)))
		}
	}
	return strings.Join(parts, " ")
}
