package main

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRotate(t *testing.T) {
	t.Parallel()
	s := []string{"a", "b", "c"}
	tests := []struct {
		r    int
		want []string
	}{{0, []string{"a", "b", "c"}}, {1, []string{"b", "c", "a"}}, {4, []string{"b", "c", "a"}}}
	for _, tc := range tests {
		if got := rotate(s, tc.r); !slices.Equal(got, tc.want) {
			t.Errorf("rotate(%v, %d) = %v, want %v", s, tc.r, got, tc.want)
		}
	}
}

func testReport() report {
	sc := scenario{id: "bcast-1k-max", metrics: []metric{withTarget(usOp, 4), perSec}, chart: true}
	res := func(us, ps float64) sample { return sample{res: &loadResult{UsPerOp: us, PerSec: ps, OK: true}} }
	return report{
		opts:    options{runs: 3, command: "bench/run.sh", root: "."},
		scens:   []scenario{sc},
		servers: []string{"sockbus", "naive"},
		results: map[key][]sample{
			{sc.id, "sockbus"}: {res(3, 100), res(2, 300), res(4, 200)},
			{sc.id, "naive"}:   {res(6, 50), {err: errors.New("boom")}, res(8, 70)},
		},
	}
}

func TestFigure(t *testing.T) {
	t.Parallel()
	rp := testReport()
	got := rp.figure(rp.scens[0], "sockbus", usOp)
	if got.med != 3 || got.min != 2 || got.max != 4 || got.n != 3 || got.fails != 0 {
		t.Errorf("sockbus us/op stats = %+v", got)
	}
	got = rp.figure(rp.scens[0], "naive", usOp)
	if got.med != 7 || got.n != 2 || got.fails != 1 {
		t.Errorf("naive us/op stats = %+v (median of two runs is their mean)", got)
	}
}

func TestMarkdownAndSVG(t *testing.T) {
	t.Parallel()
	rp := testReport()
	md := rp.markdown()
	for _, want := range []string{
		"| bcast-1k-max | server CPU us/op | 3.00 (2.00–4.00) | 7.00 (6.00–8.00) **FAIL 1/3** | 0.43 | ≤ 4.00 |",
		"| deliveries/s ↑ | 200 (100–300) | 60.0 (50.0–70.0) **FAIL 1/3** | 3.33 |",
		"Command: `bench/run.sh`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	svg := rp.svg()
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "bcast-1k-max sockbus: 3.00 us/op") {
		t.Errorf("unexpected svg:\n%s", svg)
	}
}

// slowReport has a baseline and a slow scenario over three runs; naive's
// second baseline run failed and its third baseline delivered nothing.
func slowReport() report {
	scens := scenarios(true)
	var base, slow scenario
	for _, sc := range scens {
		switch {
		case sc.rssChart:
			slow = sc
		case strings.HasPrefix(sc.id, "slow-") && strings.HasSuffix(sc.id, "-base"):
			base = sc
		}
	}
	res := func(ps float64, growKiB int64, dropped bool) sample {
		return sample{res: &loadResult{PerSec: ps, RSSGrowthKiB: growKiB, SlowDropped: dropped, OK: true, MeasureStartMs: 250,
			RSSSeries: [][2]int64{{0, 40 << 10}, {100, 40<<10 + growKiB}, {1200, 40 << 10}}}}
	}
	return report{
		opts:    options{runs: 3, command: "bench/run.sh", root: "."},
		scens:   []scenario{base, slow},
		servers: []string{"sockbus", "naive"},
		results: map[key][]sample{
			{base.id, "sockbus"}: {res(100, 1024, false), res(200, 2048, false), res(300, 1024, false)},
			{slow.id, "sockbus"}: {res(95, 5120, true), res(150, 4096, true), res(330, 3072, true)},
			{base.id, "naive"}:   {res(100, 0, false), {err: errors.New("boom")}, res(0, 0, false)},
			{slow.id, "naive"}:   {res(50, 1024, true), res(60, 0, false), res(10, 0, true)},
		},
	}
}

func TestSlowScenarios(t *testing.T) {
	t.Parallel()
	for _, quick := range []bool{false, true} {
		ids := map[string]int{}
		for i, sc := range scenarios(quick) {
			ids[sc.id] = i
		}
		for i, sc := range scenarios(quick) {
			if sc.baseline == "" {
				continue
			}
			b, ok := ids[sc.baseline]
			if !ok || b >= i {
				t.Fatalf("quick=%v: %s: baseline %q missing or not before it", quick, sc.id, sc.baseline)
			}
			base := scenarios(quick)[b]
			if !matches(sc.id, base.id) {
				t.Errorf("quick=%v: -scenarios %s would not select its baseline %s", quick, sc.id, base.id)
			}
			// The baseline is the same invocation plus -baseline -rcvbuf 0.
			if got, want := strings.Join(base.args, " "), strings.Join(sc.args, " ")+" -baseline -rcvbuf 0"; got != want {
				t.Errorf("quick=%v: baseline args %q, want %q", quick, got, want)
			}
		}
	}
}

func TestFigureVsBaseline(t *testing.T) {
	t.Parallel()
	rp := slowReport()
	slow := rp.scens[1]
	tests := []struct {
		name   string
		server string
		m      metric
		want   stats
	}{
		{"ratio paired per run", "sockbus", vsBaseline, stats{med: 0.95, min: 0.75, max: 1.1, n: 3}},
		{"failed or empty baseline runs count as failed", "naive", vsBaseline, stats{med: 0.5, min: 0.5, max: 0.5, n: 1, fails: 2}},
		{"growth minus baseline", "sockbus", growVsBase, stats{med: 2, min: 2, max: 4, n: 3}},
		{"growth minus baseline, failed baseline", "naive", growVsBase, stats{med: 0.5, min: 0, max: 1, n: 2, fails: 1}},
		{"plain growth", "sockbus", rssGrow, stats{med: 4, min: 3, max: 5, n: 3}},
		{"dropped runs", "naive", dropped, stats{med: 1, min: 0, max: 1, n: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := rp.figure(slow, tc.server, tc.m)
			const eps = 1e-9
			if got.n != tc.want.n || got.fails != tc.want.fails ||
				math.Abs(got.med-tc.want.med) > eps || math.Abs(got.min-tc.want.min) > eps || math.Abs(got.max-tc.want.max) > eps {
				t.Errorf("figure = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestVsBaselineWithoutBaseline(t *testing.T) {
	t.Parallel()
	rp := slowReport()
	rp.scens = rp.scens[1:] // -scenarios selected the slow one only
	delete(rp.results, key{"slow-2k-base", "sockbus"})
	got := rp.figure(rp.scens[0], "sockbus", vsBaseline)
	if got.n != 0 || got.fails != 3 {
		t.Errorf("figure without baseline = %+v, want no values and 3 failed", got)
	}
	if c := got.cell(3); !strings.Contains(c, "—") {
		t.Errorf("cell = %q, want a dash", c)
	}
}

func TestSlowMarkdownAndRSSChart(t *testing.T) {
	t.Parallel()
	rp := slowReport()
	md := rp.markdown()
	for _, want := range []string{
		"| others' deliveries/s vs baseline ↑ | 0.95 (0.75–1.10) | 0.50 **FAIL 2/3** | 1.90 | ≥ 0.90 |",
		"| RSS growth from stall start MiB | 4.00 (3.00–5.00) | 0 (0–1.00) | — |  |",
		"| RSS growth minus baseline's MiB | 2.00 (2.00–4.00) | 0.50 (0–1.00) **FAIL 1/3** | 4.00 | ≤ 16.0 |",
		"| slow-2k-base | deliveries/s ↑ | 200 (100–300) |",
		"![server RSS over time, slow-2k](rss-slow.svg)",
		"same-numbered run of `slow-2k-base`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	svg := rp.rssSVG(rp.scens[1])
	if n := strings.Count(svg, "<polyline"); n != 6 {
		t.Errorf("rss chart has %d lines, want 6 (3 runs x 2 servers)", n)
	}
	// x axis 0..2 s over 60..700 px: the 250 ms marker is at 140 px.
	for _, want := range []string{`<line x1="140.0" x2="140.0"`, "sockbus (dropped 3/3)", "naive (dropped 2/3)", "sockbus run 1: +5.00 MiB", "broadcast starts"} {
		if !strings.Contains(svg, want) {
			t.Errorf("rss chart lacks %q:\n%s", want, svg)
		}
	}
}

func TestBriefWithBaseline(t *testing.T) {
	t.Parallel()
	rp := slowReport()
	slow := rp.scens[1]
	r := rp.results[key{slow.id, "sockbus"}][0].res
	if got := brief(slow, r, runResult(rp.results, slow.baseline, "sockbus", 0)); !strings.Contains(got, "vsBase=0.95") {
		t.Errorf("brief with baseline = %q, want vsBase=0.95", got)
	}
	if got := brief(slow, r, runResult(rp.results, slow.baseline, "naive", 1)); strings.Contains(got, "vsBase") {
		t.Errorf("brief with failed baseline = %q, want no vsBase", got)
	}
}

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want float64 }{
		{0, 1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {2.2, 2.5}, {3, 5}, {7, 10}, {11.3, 20}, {240, 250}, {370, 500}, {1200, 2000},
	}
	for _, tc := range tests {
		if got := niceCeil(tc.in); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
