package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// loadResult mirrors the JSON line bench/load prints.
type loadResult struct {
	Scenario         string     `json:"scenario"`
	Server           string     `json:"server"`
	Clients          int        `json:"clients"`
	Seconds          float64    `json:"seconds"`
	Sent             int64      `json:"sent"`
	Expected         int64      `json:"expected"`
	Delivered        int64      `json:"delivered"`
	PerSec           float64    `json:"per_sec"`
	P50ms            float64    `json:"p50_ms"`
	P99ms            float64    `json:"p99_ms"`
	MaxMs            float64    `json:"max_ms"`
	ServerCPUms      float64    `json:"server_cpu_ms"`
	UsPerOp          float64    `json:"us_per_op"`
	ConnectSec       float64    `json:"connect_s"`
	ConnectUsPerConn float64    `json:"connect_us_per_conn"`
	ConnectCPUUs     float64    `json:"connect_cpu_us_per_conn"`
	RSSPerConnKiB    float64    `json:"rss_per_conn_kib"`
	RSSPeakKiB       int64      `json:"rss_peak_kib"`
	RSSEndKiB        int64      `json:"rss_end_kib"`
	RSSSeries        [][2]int64 `json:"rss_series"`
	RSSStallKiB      int64      `json:"rss_stall_start_kib"`
	RSSGrowthKiB     int64      `json:"rss_growth_kib"`
	MeasureStartMs   int64      `json:"measure_start_ms"`
	Baseline         bool       `json:"baseline"`
	FloodSent        int64      `json:"flood_sent"`
	FloodRecv        int64      `json:"flood_recv"`
	Disconnects      int64      `json:"disconnects"`
	SlowDropped      bool       `json:"slow_dropped"`
	OK               bool       `json:"ok"`
	Error            string     `json:"error"`
}

// metric is one figure reported for a scenario: either get of each run, or
// vsBase of each run against the same run of the scenario's baseline.
type metric struct {
	name   string // shown in the table
	short  string // shown in progress lines
	higher bool   // higher is better
	get    func(*loadResult) float64
	// vsBase, when set instead of get, derives the figure from a run and the
	// same-numbered run of the baseline scenario; ok is false when it is
	// undefined (the baseline delivered nothing).
	vsBase func(r, base *loadResult) (v float64, ok bool)
	target float64 // sockbus target in full mode, 0 if none
}

// value is m for run r given that run's baseline result (nil if none).
func (m metric) value(r, base *loadResult) (float64, bool) {
	if m.vsBase == nil {
		return m.get(r), true
	}
	if r == nil || base == nil {
		return 0, false
	}
	return m.vsBase(r, base)
}

// baselineArgs turn a slow invocation into its baseline: the last client
// keeps reading, with the kernel's default receive buffer (the 4 KiB one
// only makes the stall bite quickly; for a reader it splits every 128 KiB
// message into window-limited segments, a cost the stalled run never pays).
var baselineArgs = []string{"-baseline", "-rcvbuf", "0"}

// outboxBoundMiB is the engine's default MaxOutboxBytes, which
// bench/sockbus-server keeps.
const outboxBoundMiB = 16

var (
	usOp     = metric{name: "server CPU us/op", short: "us/op", get: func(r *loadResult) float64 { return r.UsPerOp }}
	perSec   = metric{name: "deliveries/s", short: "msg/s", higher: true, get: func(r *loadResult) float64 { return r.PerSec }}
	rtPerSec = metric{name: "round trips/s", short: "rt/s", higher: true, get: func(r *loadResult) float64 { return r.PerSec }}
	p50      = metric{name: "latency p50 ms", short: "p50", get: func(r *loadResult) float64 { return r.P50ms }}
	p99      = metric{name: "latency p99 ms", short: "p99", get: func(r *loadResult) float64 { return r.P99ms }}
	connUs   = metric{name: "connect wall us/conn", short: "us/conn", get: func(r *loadResult) float64 { return r.ConnectUsPerConn }}
	connCPU  = metric{name: "connect server CPU us/conn", short: "cpu/conn", get: func(r *loadResult) float64 { return r.ConnectCPUUs }}
	rssConn  = metric{name: "RSS KiB per idle conn", short: "KiB/conn", get: func(r *loadResult) float64 { return r.RSSPerConnKiB }}
	rssPeak  = metric{name: "server RSS peak MiB", short: "rssMiB", get: func(r *loadResult) float64 { return float64(r.RSSPeakKiB) / 1024 }}
	rssGrow  = metric{name: "RSS growth from stall start MiB", short: "grow", get: func(r *loadResult) float64 { return float64(r.RSSGrowthKiB) / 1024 }}
	// vsBaseline is the slow-consumer requirement: the others keep >= 90%
	// of the throughput they get when the client reads.
	vsBaseline = metric{name: "others' deliveries/s vs baseline", short: "vsBase", higher: true,
		vsBase: func(r, b *loadResult) (float64, bool) {
			if b.PerSec <= 0 {
				return 0, false
			}
			return r.PerSec / b.PerSec, true
		}}
	growVsBase = metric{name: "RSS growth minus baseline's MiB", short: "grow-base",
		vsBase: func(r, b *loadResult) (float64, bool) {
			return float64(r.RSSGrowthKiB-b.RSSGrowthKiB) / 1024, true
		}}
	dropped = metric{name: "slow client dropped (runs)", short: "dropped", get: func(r *loadResult) float64 {
		if r.SlowDropped {
			return 1
		}
		return 0
	}}
)

func withTarget(m metric, t float64) metric { m.target = t; return m }

// scenario is one load generator invocation.
type scenario struct {
	id      string
	title   string
	args    []string
	metrics []metric
	timeout time.Duration
	chart   bool // us/op goes into the chart
	// baseline is the id of the scenario that vsBase metrics compare each
	// run with (same run number, same server); it must come earlier.
	baseline string
	rssChart bool // the RSS series goes into the memory chart
}

// scenarios lists what run executes; quick shrinks N and durations.
func scenarios(quick bool) []scenario {
	big, small, echoBig := 10000, 1000, 1000
	dur, longDur := 5*time.Second, 10*time.Second
	rooms := 100
	window := "8"
	if quick {
		window = "4"
		big, small, echoBig = 2000, 500, 200
		dur, longDur = time.Second, 3*time.Second
	}
	k := func(n int) string {
		if n >= 1000 && n%1000 == 0 {
			return strconv.Itoa(n/1000) + "k"
		}
		return strconv.Itoa(n)
	}
	settle := "1s"
	if quick {
		settle = "250ms"
	}
	common := func(n int, d time.Duration, extra ...string) []string {
		return append([]string{"-n", strconv.Itoa(n), "-duration", d.String(), "-settle", settle}, extra...)
	}
	limit := func(n int, d time.Duration) time.Duration {
		return 60*time.Second + d + time.Duration(n)*5*time.Millisecond
	}
	var out []scenario
	bc := func(n int, target float64) {
		out = append(out, scenario{
			id: "bcast-" + k(n) + "-max", title: fmt.Sprintf("broadcast to %d, max rate (window %s), 100 B", n, window),
			args:    common(n, dur, "-scenario", "bcast", "-mode", "max", "-size", "100", "-window", window),
			metrics: []metric{withTarget(usOp, target), perSec, p50, p99}, timeout: limit(n, dur), chart: true,
		})
	}
	bc(small, 4)
	bc(big, 6)
	out = append(out,
		scenario{
			id: "bcast-" + k(small) + "-rate", title: fmt.Sprintf("broadcast to %d at 20 msg/s", small),
			args:    common(small, dur, "-scenario", "bcast", "-mode", "rate", "-rate", "20"),
			metrics: []metric{p50, p99, usOp}, timeout: limit(small, dur),
		},
		scenario{
			id: "bcast-" + k(big) + "-rate", title: fmt.Sprintf("broadcast to %d at 2 msg/s", big),
			args:    common(big, longDur, "-scenario", "bcast", "-mode", "rate", "-rate", "2"),
			metrics: []metric{p50, withTarget(p99, 120), usOp}, timeout: limit(big, longDur),
		},
	)
	for _, n := range []int{1, 100, echoBig} {
		t := 0.0
		if n == 1000 {
			t = 12
		}
		out = append(out, scenario{
			id: "echo-" + k(n), title: fmt.Sprintf("echo with ack, %d clients (closed loop)", n),
			args:    common(n, dur, "-scenario", "echo"),
			metrics: []metric{rtPerSec, p50, p99, withTarget(usOp, t)}, timeout: limit(n, dur), chart: n == echoBig,
		})
	}
	out = append(out,
		scenario{
			id: "room-" + k(big) + "-max", title: fmt.Sprintf("room broadcast, %d clients over %d rooms, max rate (window 64)", big, rooms),
			args:    common(big, dur, "-scenario", "room", "-rooms", strconv.Itoa(rooms), "-mode", "max"),
			metrics: []metric{withTarget(usOp, 8), perSec, p99}, timeout: limit(big, dur), chart: true,
		},
		scenario{
			id: "room-" + k(big) + "-rate", title: fmt.Sprintf("room broadcast, %d clients over %d rooms at 200 msg/s", big, rooms),
			args:    common(big, dur, "-scenario", "room", "-rooms", strconv.Itoa(rooms), "-mode", "rate", "-rate", "200"),
			metrics: []metric{p50, withTarget(p99, 4), usOp}, timeout: limit(big, dur),
		},
		scenario{
			id: "connect-" + k(big), title: fmt.Sprintf("connect %d clients (64 dials in flight), then idle", big),
			args:    []string{"-scenario", "connect", "-n", strconv.Itoa(big), "-settle", "1s"},
			metrics: []metric{withTarget(connUs, 110), connCPU, withTarget(rssConn, 8)}, timeout: limit(big, 0),
		},
	)
	slowArgs := common(big, longDur, "-scenario", "slow", "-size", "1000", "-stall", "20s", "-window", window)
	slowID := "slow-" + k(big)
	out = append(out,
		scenario{
			id: slowID + "-base", title: fmt.Sprintf("baseline of %s: the same clients, payload, window, duration and 128 KiB every 10 ms to the last client, which keeps reading (default receive buffer)", slowID),
			args:    append(slices.Clone(slowArgs), baselineArgs...),
			metrics: []metric{perSec, usOp, rssPeak, rssGrow}, timeout: limit(big, longDur),
		},
		scenario{
			id: slowID, title: fmt.Sprintf("broadcast to %d (1 KiB, max rate) while one client stops reading and is sent 128 KiB every 10 ms", big),
			args: slowArgs,
			metrics: []metric{perSec, withTarget(vsBaseline, 0.9), usOp, rssPeak, rssGrow,
				withTarget(growVsBase, outboxBoundMiB), dropped},
			timeout: limit(big, longDur), baseline: slowID + "-base", rssChart: true,
		},
	)
	return out
}

func fmtNum(v float64) string {
	switch a := math.Abs(v); {
	case v == 0:
		return "0"
	case a >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
