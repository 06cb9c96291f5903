// Command load is the sockbus load generator. One process drives up to tens
// of thousands of Socket.IO v5 / Engine.IO v4 clients over WebSocket
// (github.com/lxzan/gws) against any server that implements the four harness
// handlers:
//
//	echo(data, ack) -> ack(data)
//	bcast(data)     -> emit "msg" with data to everyone
//	join(room, ack) -> join room, then ack()
//	room(room, data)-> emit "msg" with data to room
//
// It runs one scenario (bcast, echo, room, connect, slow), bounded in count
// and time, and prints one JSON result line on stdout: deliveries, latency
// percentiles (from a send timestamp inside each payload), and the server's
// CPU time (/proc/<pid>/stat utime+stime) and RSS (/proc/<pid>/status VmRSS).
// It exits non-zero when a scenario misses deliveries beyond tolerance, loses
// connections, or stalls, so it doubles as a correctness check.
//
// Clients bind source addresses 127.0.0.2..127.0.0.N in turn so that 10k+
// connections do not exhaust ephemeral ports, and the process raises its own
// file descriptor limit.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

type config struct {
	url, server, scenario, mode string
	pid, n, window, par, srcs   int
	rate                        float64
	size, rooms                 int
	duration, drain, stall      time.Duration
	settle, timeout             time.Duration
	tolerance                   float64
	baseline                    bool
	rcvbuf                      int
}

// result is the JSON line the harness prints.
type result struct {
	Scenario string  `json:"scenario"`
	Server   string  `json:"server"`
	Clients  int     `json:"clients"`
	Mode     string  `json:"mode,omitempty"`
	Rate     float64 `json:"rate,omitempty"`
	Size     int     `json:"size,omitempty"`
	Rooms    int     `json:"rooms,omitempty"`

	Seconds   float64 `json:"seconds"`
	Sent      int64   `json:"sent"`
	Expected  int64   `json:"expected"`
	Delivered int64   `json:"delivered"`
	PerSec    float64 `json:"per_sec"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`

	ServerCPUms float64 `json:"server_cpu_ms"`
	UsPerOp     float64 `json:"us_per_op"`

	// Slow scenario: the RSS series starts when the last client stops
	// reading (the flood starts); MeasureStartMs is when the measured
	// broadcast phase began on that clock.
	Baseline         bool       `json:"baseline,omitempty"`
	MeasureStartMs   int64      `json:"measure_start_ms,omitempty"`
	RSSStallKiB      int64      `json:"rss_stall_start_kib,omitempty"`
	RSSGrowthKiB     int64      `json:"rss_growth_kib,omitempty"`
	FloodSent        int64      `json:"flood_sent,omitempty"`
	FloodRecv        int64      `json:"flood_recv,omitempty"`
	ConnectSec       float64    `json:"connect_s"`
	ConnectUsPerConn float64    `json:"connect_us_per_conn"`
	ConnectCPUUs     float64    `json:"connect_cpu_us_per_conn"`
	RSSBaseKiB       int64      `json:"rss_base_kib"`
	RSSConnKiB       int64      `json:"rss_connected_kib"`
	RSSPerConnKiB    float64    `json:"rss_per_conn_kib"`
	RSSPeakKiB       int64      `json:"rss_peak_kib"`
	RSSEndKiB        int64      `json:"rss_end_kib"`
	RSSSeries        [][2]int64 `json:"rss_series,omitempty"`

	Disconnects int64  `json:"disconnects"`
	SlowDropped bool   `json:"slow_dropped,omitempty"`
	Malformed   int64  `json:"malformed"`
	OK          bool   `json:"ok"`
	Error       string `json:"error,omitempty"`
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "ws://127.0.0.1:3000", "server base URL (ws://host:port); /socket.io/?EIO=4&transport=websocket is appended")
	flag.StringVar(&c.server, "server", "", "server name to put in the result")
	flag.StringVar(&c.scenario, "scenario", "bcast", "bcast | echo | room | connect | slow")
	flag.StringVar(&c.mode, "mode", "max", "max (bounded in-flight window) | rate (fixed rate)")
	flag.IntVar(&c.pid, "pid", 0, "server process id for CPU and RSS (0: not measured)")
	flag.IntVar(&c.n, "n", 1000, "clients")
	flag.IntVar(&c.window, "window", 0, "in-flight messages in max mode (default 8 for bcast/slow, 64 for room)")
	flag.IntVar(&c.par, "par", 64, "concurrent dials while connecting")
	flag.IntVar(&c.srcs, "srcs", 8, "source addresses 127.0.0.2.. to spread connections over")
	flag.Float64Var(&c.rate, "rate", 2, "messages per second in rate mode")
	flag.IntVar(&c.size, "size", 100, "payload bytes")
	flag.IntVar(&c.rooms, "rooms", 100, "rooms for the room scenario")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "measured sending time")
	flag.DurationVar(&c.drain, "drain", 10*time.Second, "how long to wait for outstanding deliveries after sending")
	flag.DurationVar(&c.stall, "stall", 15*time.Second, "max-mode failure when no message completes for this long")
	flag.DurationVar(&c.settle, "settle", time.Second, "idle time after connecting before measuring (connect: before reading RSS)")
	flag.DurationVar(&c.timeout, "timeout", 5*time.Minute, "hard limit for the whole run")
	flag.Float64Var(&c.tolerance, "tolerance", 0.99, "minimum delivered/expected fraction")
	flag.IntVar(&c.rcvbuf, "rcvbuf", 4096, "slow scenario only: SO_RCVBUF of the last client (0: kernel default)")
	flag.BoolVar(&c.baseline, "baseline", false, "slow scenario only: the last client keeps reading (the baseline for the stall); everything else is the same")
	flag.Parse()

	raiseFileLimit()
	res := &result{Scenario: c.scenario, Server: c.server, Clients: c.n, Size: c.size}
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(c.timeout):
			res.Error = fmt.Sprintf("hard timeout %v", c.timeout)
			emit(res)
			os.Exit(3)
		}
	}()
	err := run(c, res)
	close(done)
	if err == nil {
		err = check(c, res)
	}
	res.OK = err == nil
	if err != nil {
		res.Error = err.Error()
	}
	emit(res)
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %s %s: FAIL: %v\n", c.server, c.scenario, err)
		os.Exit(1)
	}
}

func emit(res *result) {
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
}

func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func run(c config, res *result) error {
	u, err := url.Parse(c.url)
	if err != nil || u.Host == "" {
		return fmt.Errorf("bad -url %q", c.url)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return fmt.Errorf("bad -url host %q: %w", u.Host, err)
	}
	if c.size < 32 {
		c.size = 32
	}
	f := newFleet("ws://"+u.Host+"/socket.io/?EIO=4&transport=websocket", u.Host, c.srcs)
	switch c.scenario {
	case "bcast", "slow":
		return runBroadcast(c, f, res)
	case "room":
		return runRoom(c, f, res)
	case "echo":
		return runEcho(c, f, res)
	case "connect":
		return runConnect(c, f, res)
	}
	return fmt.Errorf("unknown scenario %q", c.scenario)
}

// check applies the correctness rules shared by every scenario.
func check(c config, res *result) error {
	var errs []error
	if res.Expected > 0 && float64(res.Delivered) < c.tolerance*float64(res.Expected) {
		errs = append(errs, fmt.Errorf("delivered %d of %d expected (%.2f%% < %.0f%%)",
			res.Delivered, res.Expected, 100*float64(res.Delivered)/float64(res.Expected), 100*c.tolerance))
	}
	if c.scenario != "connect" && res.Expected == 0 {
		errs = append(errs, errors.New("nothing was sent"))
	}
	lost := res.Disconnects
	if c.scenario == "slow" && lost > 0 {
		lost-- // the slow client may be dropped
	}
	if float64(lost) > (1-c.tolerance)*float64(c.n) {
		errs = append(errs, fmt.Errorf("%d clients disconnected during the run", lost))
	}
	if c.scenario == "slow" && c.baseline && float64(res.FloodRecv) < c.tolerance*float64(res.FloodSent) {
		errs = append(errs, fmt.Errorf("baseline reader got %d of %d flood messages: it did not keep up, so this is no baseline",
			res.FloodRecv, res.FloodSent))
	}
	if res.Malformed > 0 {
		errs = append(errs, fmt.Errorf("%d malformed or unmatched frames", res.Malformed))
	}
	return errors.Join(errs...)
}

// payload returns a JSON string literal body of exactly size bytes that
// starts with "<ts>:<seq>:".
func payload(dst []byte, ts, seq int64, size int) []byte {
	start := len(dst)
	dst = fmt.Appendf(dst, "%d:%d:", ts, seq)
	for len(dst)-start < size {
		dst = append(dst, 'x')
	}
	return dst
}

// measure brackets a measured phase with server CPU and RSS readings.
type measure struct {
	pid   int
	cpu0  time.Duration
	t0    time.Time
	rss   *rssSampler
	every time.Duration
}

func startMeasure(pid int, every time.Duration) (*measure, error) {
	return measureWith(pid, startRSS(pid, every))
}

// measureWith starts measuring CPU now while RSS keeps coming from rss,
// which may have been started earlier. On error rss is stopped.
func measureWith(pid int, rss *rssSampler) (*measure, error) {
	st, err := readProc(pid)
	if err != nil {
		rss.finish()
		return nil, fmt.Errorf("read server /proc: %w", err)
	}
	return &measure{pid: pid, cpu0: st.cpu, t0: time.Now(), rss: rss}, nil
}

func (m *measure) stop(res *result, ops int64, keepSeries bool) error {
	elapsed := time.Since(m.t0)
	peak, series := m.rss.finish()
	st, err := readProc(m.pid)
	if err != nil {
		return fmt.Errorf("read server /proc: %w", err)
	}
	cpu := st.cpu - m.cpu0
	res.Seconds = elapsed.Seconds()
	res.ServerCPUms = float64(cpu) / float64(time.Millisecond)
	if ops > 0 {
		res.UsPerOp = float64(cpu) / float64(time.Microsecond) / float64(ops)
		res.PerSec = float64(ops) / elapsed.Seconds()
	}
	res.RSSPeakKiB = max(peak, st.rssKiB)
	res.RSSEndKiB = st.rssKiB
	if keepSeries {
		res.RSSSeries = series
		res.MeasureStartMs = m.t0.Sub(m.rss.start).Milliseconds()
		res.RSSStallKiB, res.RSSGrowthKiB = growth(series, res.RSSPeakKiB)
	}
	return nil
}

// growth returns the first RSS sample of series and how far peak rose
// above it (never negative); both are 0 without samples.
func growth(series [][2]int64, peak int64) (first, grew int64) {
	if len(series) == 0 {
		return 0, 0
	}
	first = series[0][1]
	for _, s := range series {
		peak = max(peak, s[1])
	}
	return first, peak - first
}

func connect(c config, f *fleet, res *result, o dialOpts, slow int) ([]*client, error) {
	if o.timeout == 0 {
		o.timeout = 15 * time.Second
	}
	t0 := time.Now()
	cl, err := f.connectAll(c.n, c.par, o, slow)
	if err != nil {
		return nil, fmt.Errorf("connect %d clients: %w", c.n, err)
	}
	res.ConnectSec = time.Since(t0).Seconds()
	res.ConnectUsPerConn = float64(time.Since(t0).Microseconds()) / float64(c.n)
	return cl, nil
}

func finish(f *fleet, res *result, clients []*client) {
	res.Disconnects = f.closed.Load()
	res.Malformed = f.malformed.Load()
	res.Delivered = f.delivered.Load()
	res.P50ms = f.lat.quantile(0.50)
	res.P99ms = f.lat.quantile(0.99)
	res.MaxMs = float64(f.lat.max.Load()) / 1000
	f.closeAll(clients)
}

// waitDrain polls until counter reaches want or d is up.
func waitDrain(counter *atomic.Int64, want int64, d time.Duration) {
	deadline := time.Now().Add(d)
	for counter.Load() < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// sender emits messages built by frame(seq) either at max rate with at most
// window messages not yet fully delivered, or at a fixed rate. want(seq) is
// the number of recipients of seq.
func sender(c config, f *fleet, from *client, want func(seq int64) int, frame func(dst []byte, seq int64) []byte) (sent, expected int64, err error) {
	end := time.Now().Add(c.duration)
	buf := make([]byte, 0, c.size+64)
	var completed int64
	interval := time.Duration(float64(time.Second) / max(c.rate, 0.001))
	start := time.Now()
	stallT := time.NewTimer(c.stall)
	defer stallT.Stop()
	for seq := int64(0); time.Now().Before(end); seq++ {
		if c.mode == "rate" {
			next := start.Add(time.Duration(seq) * interval)
			if !next.Before(end) {
				break
			}
			time.Sleep(time.Until(next))
		} else {
			for seq-completed >= int64(c.window) {
				stallT.Reset(c.stall)
				select {
				case <-f.completions:
					completed++
				case <-stallT.C:
					return sent, expected, fmt.Errorf("stalled: no message fully delivered for %v (%d sent, %d complete, %d deliveries)",
						c.stall, sent, completed, f.delivered.Load())
				}
			}
		}
		w := want(seq)
		f.arm(seq, w)
		buf = frame(buf[:0], seq)
		if err := from.send(buf); err != nil {
			return sent, expected, fmt.Errorf("send: %w", err)
		}
		sent++
		expected += int64(w)
	}
	return sent, expected, nil
}

func runBroadcast(c config, f *fleet, res *result) error {
	res.Mode, res.Rate = c.mode, c.rate
	if c.mode != "rate" {
		res.Rate = 0
	}
	if c.window <= 0 {
		c.window = 8
	}
	slow, stall := -1, chan struct{}(nil)
	o := dialOpts{}
	if c.scenario == "slow" {
		slow, stall = c.n-1, make(chan struct{})
		o = dialOpts{timeout: 15 * time.Second, rcvbuf: c.rcvbuf, stall: stall}
		if c.baseline {
			// Same client, same tiny receive buffer, but it keeps reading.
			o.stall, stall = nil, nil
		}
	}
	clients, err := connect(c, f, res, o, slow)
	if err != nil {
		return err
	}
	recipients := c.n
	if slow >= 0 {
		clients[slow].counting.Store(false)
		recipients--
	}
	defer func() {
		if stall != nil {
			close(stall)
		}
		finish(f, res, clients)
	}()
	stopFlood := func() int64 { return 0 }
	var m *measure
	if slow >= 0 {
		// RSS is sampled from the moment the slow client stops reading,
		// which is when the flood (its first event) starts.
		rss := startRSS(c.pid, 100*time.Millisecond)
		if stopFlood, err = flood(c, clients[0], clients[slow]); err != nil {
			rss.finish()
			return err
		}
		time.Sleep(c.settle) // let the server finish connection setup work
		if m, err = measureWith(c.pid, rss); err != nil {
			stopFlood()
			return err
		}
	} else {
		time.Sleep(c.settle) // let the server finish connection setup work
		if m, err = startMeasure(c.pid, 250*time.Millisecond); err != nil {
			return err
		}
	}
	sent, expected, err := sender(c, f, clients[0], func(int64) int { return recipients },
		func(dst []byte, seq int64) []byte {
			dst = append(dst, `42["bcast","`...)
			dst = payload(dst, f.now(), seq, c.size)
			return append(dst, `"]`...)
		})
	res.FloodSent = stopFlood()
	res.Sent, res.Expected = sent, expected
	if err == nil {
		waitDrain(&f.delivered, expected, c.drain)
		if slow >= 0 && c.baseline {
			waitDrain(&f.flood, res.FloodSent, c.drain)
		}
	}
	res.FloodRecv = f.flood.Load()
	if merr := m.stop(res, f.delivered.Load(), slow >= 0); merr != nil && err == nil {
		err = merr
	}
	res.Baseline = slow >= 0 && c.baseline
	if stall != nil {
		// Let the slow client read again: if the server dropped it, it drains
		// what the kernel buffered, sees the close and ends.
		close(stall)
		stall = nil
		select {
		case <-clients[slow].gone:
			res.SlowDropped = true
		case <-time.After(3 * time.Second):
		}
	}
	return err
}

// floodSize is the payload of each flood message; uncounted events at least
// this long are counted as flood deliveries.
const floodSize = 128 << 10

// flood makes the slow client join room "slow" and then has from emit a
// 128 KiB message to that room every 10 ms (12.8 MB/s), so the kernel buffers
// of the non-reading client fill within a second and the server has to
// queue, drop or block. The returned func stops the flood, waits for it and
// returns how many flood messages were sent.
func flood(c config, from, slow *client) (stop func() int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := slow.call(ctx, func(id int) []byte { return fmt.Appendf(nil, `42%d["join","slow"]`, id) }); err != nil {
		return nil, fmt.Errorf("slow client join: %w", err)
	}
	frame := append([]byte(`42["room","slow","`), bytes.Repeat([]byte{'x'}, floodSize)...)
	frame = append(frame, `"]`...)
	quit, done := make(chan struct{}), make(chan struct{})
	var sent int64
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		end := time.After(c.duration + c.drain)
		for {
			select {
			case <-quit:
				return
			case <-end:
				return
			case <-t.C:
				if from.send(frame) != nil {
					return
				}
				sent++
			}
		}
	}()
	return func() int64 { close(quit); <-done; return sent }, nil
}

func roomName(i, rooms int) string { return fmt.Sprintf("r%d", i%rooms) }

func runRoom(c config, f *fleet, res *result) error {
	res.Mode, res.Rate, res.Rooms = c.mode, c.rate, c.rooms
	if c.mode != "rate" {
		res.Rate = 0
	}
	if c.window <= 0 {
		c.window = 64
	}
	if c.rooms <= 0 || c.rooms > c.n {
		return fmt.Errorf("rooms must be in 1..n, got %d", c.rooms)
	}
	clients, err := connect(c, f, res, dialOpts{}, -1)
	if err != nil {
		return err
	}
	defer finish(f, res, clients)
	members := make([]int, c.rooms)
	if err := joinAll(c, clients, members); err != nil {
		return err
	}
	time.Sleep(c.settle) // let the server finish connection setup work
	m, err := startMeasure(c.pid, 250*time.Millisecond)
	if err != nil {
		return err
	}
	sent, expected, err := sender(c, f, clients[0], func(seq int64) int { return members[seq%int64(c.rooms)] },
		func(dst []byte, seq int64) []byte {
			dst = fmt.Appendf(dst, `42["room","%s","`, roomName(int(seq), c.rooms))
			dst = payload(dst, f.now(), seq, c.size)
			return append(dst, `"]`...)
		})
	res.Sent, res.Expected = sent, expected
	if err == nil {
		waitDrain(&f.delivered, expected, c.drain)
	}
	if merr := m.stop(res, f.delivered.Load(), false); merr != nil && err == nil {
		err = merr
	}
	return err
}

// joinAll makes client i join room i%rooms, acked, with bounded concurrency.
func joinAll(c config, clients []*client, members []int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	errs := make(chan error, len(clients))
	sem := make(chan struct{}, 256)
	for i, cl := range clients {
		members[i%c.rooms]++
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- cl.call(ctx, func(id int) []byte {
				return fmt.Appendf(nil, `42%d["join","%s"]`, id, roomName(i, c.rooms))
			})
		}()
	}
	var first error
	for range clients {
		if err := <-errs; err != nil && first == nil {
			first = fmt.Errorf("join: %w", err)
			cancel()
		}
	}
	return first
}

func runEcho(c config, f *fleet, res *result) error {
	clients, err := connect(c, f, res, dialOpts{}, -1)
	if err != nil {
		return err
	}
	defer finish(f, res, clients)
	time.Sleep(c.settle) // let the server finish connection setup work
	m, err := startMeasure(c.pid, 250*time.Millisecond)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.duration+c.stall)
	defer cancel()
	end := time.Now().Add(c.duration)
	type tally struct {
		sent int64
		err  error
	}
	out := make(chan tally, len(clients))
	for _, cl := range clients {
		go func() {
			var t tally
			buf := make([]byte, 0, c.size+64)
			for seq := int64(0); time.Now().Before(end); seq++ {
				t.sent++
				t.err = cl.call(ctx, func(id int) []byte {
					buf = fmt.Appendf(buf[:0], `42%d["echo","`, id)
					buf = payload(buf, f.now(), seq, c.size)
					return append(buf, `"]`...)
				})
				if t.err != nil {
					break
				}
			}
			out <- t
		}()
	}
	var errs []error
	for range clients {
		t := <-out
		res.Sent += t.sent
		if t.err != nil && len(errs) < 3 {
			errs = append(errs, t.err)
		}
	}
	res.Expected = res.Sent
	err = errors.Join(errs...)
	if merr := m.stop(res, f.delivered.Load(), false); merr != nil && err == nil {
		err = merr
	}
	return err
}

func runConnect(c config, f *fleet, res *result) error {
	m0, err := readProc(c.pid)
	if err != nil {
		return fmt.Errorf("read server /proc: %w", err)
	}
	res.RSSBaseKiB = m0.rssKiB
	m, err := startMeasure(c.pid, 100*time.Millisecond)
	if err != nil {
		return err
	}
	clients, err := connect(c, f, res, dialOpts{}, -1)
	if err != nil {
		m.rss.finish()
		return err
	}
	defer finish(f, res, clients)
	if err := m.stop(res, int64(c.n), false); err != nil {
		return err
	}
	res.ConnectCPUUs = res.UsPerOp
	res.PerSec = float64(c.n) / res.ConnectSec
	time.Sleep(c.settle)
	st, err := readProc(c.pid)
	if err != nil {
		return fmt.Errorf("read server /proc: %w", err)
	}
	res.RSSConnKiB = st.rssKiB
	res.RSSEndKiB = st.rssKiB
	res.RSSPerConnKiB = float64(st.rssKiB-m0.rssKiB) / float64(c.n)
	if n := f.closed.Load(); n > 0 {
		return fmt.Errorf("%d of %d idle clients were disconnected", n, c.n)
	}
	return nil
}
