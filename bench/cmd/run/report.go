package main

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type report struct {
	opts     options
	scens    []scenario
	servers  []string
	results  map[key][]sample
	failures []string
	missing  []string
	elapsed  time.Duration
}

// stats is median, min and max of one figure over the successful runs.
type stats struct {
	med, min, max float64
	n, fails      int
}

// figure computes m per run; a vsBase metric pairs run r with run r of the
// baseline scenario and counts runs without a usable pair as failed.
func (rp report) figure(sc scenario, server string, m metric) stats {
	var vs []float64
	st := stats{}
	for r, s := range rp.results[key{sc.id, server}] {
		if s.err != nil || s.res == nil {
			st.fails++
			continue
		}
		v, ok := m.value(s.res, runResult(rp.results, sc.baseline, server, r))
		if !ok {
			st.fails++
			continue
		}
		vs = append(vs, v)
	}
	st.n = len(vs)
	if len(vs) == 0 {
		return st
	}
	slices.Sort(vs)
	st.min, st.max = vs[0], vs[len(vs)-1]
	if len(vs)%2 == 1 {
		st.med = vs[len(vs)/2]
	} else {
		st.med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return st
}

func (st stats) cell(runs int) string {
	var s string
	switch {
	case st.n == 0:
		s = "—"
	case st.n == 1:
		s = fmtNum(st.med)
	default:
		s = fmt.Sprintf("%s (%s–%s)", fmtNum(st.med), fmtNum(st.min), fmtNum(st.max))
	}
	if st.fails > 0 {
		s += fmt.Sprintf(" **FAIL %d/%d**", st.fails, runs)
	}
	return s
}

func (rp report) machine() []string {
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	out := func(name string, args ...string) string {
		b, err := exec.Command(name, args...).Output()
		if err != nil {
			return "unknown"
		}
		return strings.TrimSpace(string(b))
	}
	nodeSIO := out("node", "-p", "require('socket.io/package.json').version")
	commit := out("git", "-C", rp.opts.root, "rev-parse", "--short", "HEAD")
	pin := "server `taskset -c 0`, load generator `taskset -c 1`"
	if !rp.opts.pin {
		pin = "not pinned"
	}
	return []string{
		fmt.Sprintf("- Machine: %d CPUs (nproc), %s, Linux %s", nprocs(), model, out("uname", "-r")),
		fmt.Sprintf("- Versions: %s, Node %s with socket.io %s, github.com/zishang520/socket.io v3.0.5 (servers/socket/v3), github.com/lxzan/gws v1.10.2, sockbus at %s", out("go", "version"), out("node", "--version"), nodeSIO, commit),
		"- Pinning: " + pin,
		fmt.Sprintf("- Command: `%s`", rp.opts.command),
		fmt.Sprintf("- Date: %s; %d run(s) per (scenario, server), server order rotated per run; wall time %s", time.Now().UTC().Format("2006-01-02 15:04 MST"), rp.opts.runs, rp.elapsed.Round(time.Second)),
	}
}

func nprocs() int {
	b, err := exec.Command("nproc").Output()
	if err != nil {
		return 0
	}
	var n int
	fmt.Sscan(string(b), &n)
	return n
}

func (rp report) markdown() string {
	var b strings.Builder
	mode := "full"
	if rp.opts.quick {
		mode = "quick (smaller N, shorter durations; targets are for the full run)"
	}
	fmt.Fprintf(&b, "# sockbus load harness: latest results (%s)\n\n", mode)
	if rp.opts.note != "" {
		fmt.Fprintf(&b, "> %s\n\n", rp.opts.note)
	}
	for _, l := range rp.machine() {
		b.WriteString(l + "\n")
	}
	b.WriteString("\nEach cell: median (min–max) over the runs. us/op = server CPU (utime+stime from /proc) per delivered message " +
		"(per round trip for echo, per connection for connect). Ratio = sockbus median / peer median (for figures marked ↑ higher is better, otherwise lower is better). " +
		"Target = sockbus goal for the full run.\n\n")
	for _, sc := range rp.scens {
		if sc.baseline != "" {
			fmt.Fprintf(&b, "`%s` vs baseline: each run is divided by (or, for RSS, reduced by) the same-numbered run of `%s` "+
				"on the same server; median (min–max) of those per-run figures. Deliveries/s count the others only (the last client never counts). "+
				"RSS growth = max RSS − RSS when the last client stopped reading; sockbus-server's outbox bound is %d MiB per connection.\n\n",
				sc.id, sc.baseline, outboxBoundMiB)
		}
	}
	b.WriteString("![server CPU us/op per scenario](usop.svg)\n\n")
	for _, sc := range rp.scens {
		if sc.rssChart {
			fmt.Fprintf(&b, "![server RSS over time, %s](%s)\n\n", sc.id, rssChartName)
		}
	}
	hdr := []string{"scenario", "figure"}
	hdr = append(hdr, rp.servers...)
	peers := slices.DeleteFunc(slices.Clone(rp.servers), func(s string) bool { return s == "sockbus" })
	hasSB := slices.Contains(rp.servers, "sockbus")
	if hasSB {
		for _, p := range peers {
			hdr = append(hdr, "sockbus/"+p)
		}
	}
	hdr = append(hdr, "target")
	b.WriteString("| " + strings.Join(hdr, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", len(hdr)) + "\n")
	for _, sc := range rp.scens {
		for i, m := range sc.metrics {
			name := sc.id
			if i > 0 {
				name = ""
			}
			fig := m.name
			if m.higher {
				fig += " ↑"
			}
			row := []string{name, fig}
			for _, s := range rp.servers {
				row = append(row, rp.figure(sc, s, m).cell(rp.opts.runs))
			}
			if hasSB {
				sb := rp.figure(sc, "sockbus", m)
				for _, p := range peers {
					pf := rp.figure(sc, p, m)
					if sb.n == 0 || pf.n == 0 || pf.med == 0 {
						row = append(row, "—")
						continue
					}
					row = append(row, fmt.Sprintf("%.2f", sb.med/pf.med))
				}
			}
			t := ""
			if m.target > 0 {
				op := "≤"
				if m.higher {
					op = "≥"
				}
				t = op + " " + fmtNum(m.target)
			}
			row = append(row, t)
			b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		}
	}
	b.WriteString("\nScenarios:\n\n")
	for _, sc := range rp.scens {
		fmt.Fprintf(&b, "- `%s`: %s (`load %s`)\n", sc.id, sc.title, strings.Join(sc.args, " "))
	}
	if len(rp.missing) > 0 {
		b.WriteString("\nServers not run: " + strings.Join(rp.missing, "; ") + "\n")
	}
	if len(rp.failures) > 0 {
		b.WriteString("\nFailures:\n\n")
		for _, f := range rp.failures {
			b.WriteString("- " + strings.ReplaceAll(f, "\n", " ") + "\n")
		}
	}
	return b.String()
}

func (rp report) write() error {
	dir := filepath.Join(rp.opts.root, rp.opts.out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	md := rp.markdown()
	if err := os.WriteFile(filepath.Join(dir, "latest.md"), []byte(md), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "usop.svg"), []byte(rp.svg()), 0o644); err != nil {
		return err
	}
	if sc, ok := rp.rssScenario(); ok {
		if err := os.WriteFile(filepath.Join(dir, rssChartName), []byte(rp.rssSVG(sc)), 0o644); err != nil {
			return err
		}
	}
	var jl strings.Builder
	for _, sc := range rp.scens {
		for _, s := range rp.servers {
			for _, smp := range rp.results[key{sc.id, s}] {
				rec := map[string]any{"id": sc.id, "server": s, "result": smp.res}
				if smp.err != nil {
					rec["error"] = smp.err.Error()
				}
				line, _ := json.Marshal(rec)
				jl.Write(line)
				jl.WriteByte('\n')
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.jsonl"), []byte(jl.String()), 0o644); err != nil {
		return err
	}
	if filepath.Clean(rp.opts.out) != "bench/results" {
		return nil // README points at bench/results only
	}
	return rp.updateReadme()
}

// updateReadme replaces the text between the results markers in bench/README.md.
func (rp report) updateReadme() error {
	p := filepath.Join(rp.opts.root, "bench/README.md")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil // no README to update
	}
	const begin, end = "<!-- results:begin -->", "<!-- results:end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return nil
	}
	var mid strings.Builder
	mid.WriteString("\n")
	for _, l := range rp.machine() {
		mid.WriteString(l + "\n")
	}
	fmt.Fprintf(&mid, "\nLatest table: [results/latest.md](results/latest.md)\n\n![server CPU us/op per scenario](results/usop.svg)\n")
	if sc, ok := rp.rssScenario(); ok {
		fmt.Fprintf(&mid, "\nServer memory over time, `%s`: [results/%s](results/%s)\n\n![server RSS over time, %s](results/%s)\n",
			sc.id, rssChartName, rssChartName, sc.id, rssChartName)
	}
	s = s[:i+len(begin)] + mid.String() + s[j:]
	return os.WriteFile(p, []byte(s), 0o644)
}

var palette = map[string]string{"sockbus": "#2b7bb9", "node": "#7fb069", "zishang": "#e6aa68", "naive": "#9e6ebd"}

// svg draws grouped bars of median us/op per charted scenario and server,
// with min–max whiskers.
func (rp report) svg() string {
	var scens []scenario
	for _, sc := range rp.scens {
		if sc.chart {
			scens = append(scens, sc)
		}
	}
	const w, h, left, top, bottom = 960, 440, 70, 50, 80
	plotW, plotH := float64(w-left-20), float64(h-top-bottom)
	maxV := 0.0
	for _, sc := range scens {
		for _, s := range rp.servers {
			maxV = max(maxV, rp.figure(sc, s, usOp).max)
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	maxV = niceCeil(maxV)
	y := func(v float64) float64 { return float64(top) + plotH - v/maxV*plotH }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">Server CPU per delivered message (us/op, lower is better), median with min–max</text>`+"\n", left)
	for i := 0; i <= 5; i++ {
		v := maxV * float64(i) / 5
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			left, w-20, y(v), y(v), left-6, y(v)+4, fmtNum(v))
	}
	groupW := plotW / float64(max(len(scens), 1))
	barW := groupW * 0.8 / float64(max(len(rp.servers), 1))
	for gi, sc := range scens {
		gx := float64(left) + float64(gi)*groupW + groupW*0.1
		for si, s := range rp.servers {
			st := rp.figure(sc, s, usOp)
			x := gx + float64(si)*barW
			color := palette[s]
			if color == "" {
				color = "#888"
			}
			if st.n == 0 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">n/a</text>`+"\n", x+barW/2, y(0)-4)
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s us/op</title></rect>`+"\n",
				x, y(st.med), barW-2, y(0)-y(st.med), color, html.EscapeString(sc.id), s, fmtNum(st.med))
			if st.n > 1 {
				cx := x + (barW-2)/2
				fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n", cx, cx, y(st.min), y(st.max))
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>`+"\n", x+(barW-2)/2, y(st.max)-4, fmtNum(st.med))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", gx+groupW*0.4, h-bottom+18, html.EscapeString(sc.id))
	}
	for si, s := range rp.servers {
		color := palette[s]
		if color == "" {
			color = "#888"
		}
		x := left + si*120
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", x, h-30, color, x+20, h-19, s)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceCeil rounds v > 0 up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// rssChartName is the memory chart's file in the results directory.
const rssChartName = "rss-slow.svg"

// rssScenario is the scenario whose RSS series is charted, if it ran.
func (rp report) rssScenario() (scenario, bool) {
	for _, sc := range rp.scens {
		if sc.rssChart {
			return sc, true
		}
	}
	return scenario{}, false
}

// rssSVG draws the server RSS (MiB) over time of every successful run of
// sc, one line per (server, run), time 0 being when the last client
// stopped reading, with a marker where the measured broadcast starts.
func (rp report) rssSVG(sc scenario) string {
	const w, h, left, right, top, bottom = 720, 360, 60, 20, 50, 70
	plotW, plotH := float64(w-left-right), float64(h-top-bottom)
	maxT, maxM, mark := 0.0, 0.0, int64(-1)
	for _, s := range rp.servers {
		for _, smp := range rp.results[key{sc.id, s}] {
			if smp.res == nil {
				continue
			}
			for _, p := range smp.res.RSSSeries {
				maxT, maxM = max(maxT, float64(p[0])/1000), max(maxM, float64(p[1])/1024)
			}
			if mark < 0 && len(smp.res.RSSSeries) > 0 {
				mark = smp.res.MeasureStartMs
			}
		}
	}
	if mark >= 0 {
		maxT = max(maxT, float64(mark)/1000)
	}
	maxT, maxM = niceCeil(maxT), niceCeil(maxM)
	x := func(ms int64) float64 { return float64(left) + float64(ms)/1000/maxT*plotW }
	y := func(kib int64) float64 { return float64(top) + plotH - float64(kib)/1024/maxM*plotH }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">Server RSS (MiB) in %s, from when the last client stops reading</text>`+"\n", left, html.EscapeString(sc.id))
	for i := 0; i <= 4; i++ {
		m := maxM * float64(i) / 4
		yy := y(int64(m * 1024))
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			left, w-right, yy, yy, left-6, yy+4, fmtNum(m))
	}
	for i := 0; i <= 5; i++ {
		t := maxT * float64(i) / 5
		xx := x(int64(t * 1000))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%ss</text>`+"\n", xx, h-bottom+16, fmtNum(t))
	}
	if mark >= 0 {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#999" stroke-dasharray="4 3"/><text x="%.1f" y="%d" font-size="10">broadcast starts</text>`+"\n",
			x(mark), x(mark), top, h-bottom, x(mark)+4, top+10)
	}
	for si, s := range rp.servers {
		color := palette[s]
		if color == "" {
			color = "#888"
		}
		runs, drops := 0, 0
		for r, smp := range rp.results[key{sc.id, s}] {
			if smp.err != nil || smp.res == nil || len(smp.res.RSSSeries) == 0 {
				continue
			}
			runs++
			if smp.res.SlowDropped {
				drops++
			}
			pts := make([]string, len(smp.res.RSSSeries))
			for i, p := range smp.res.RSSSeries {
				pts[i] = fmt.Sprintf("%.1f,%.1f", x(p[0]), y(p[1]))
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-opacity="0.85"><title>%s run %d: +%s MiB</title></polyline>`+"\n",
				strings.Join(pts, " "), color, s, r+1, fmtNum(float64(smp.res.RSSGrowthKiB)/1024))
		}
		lx := left + si*160
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d">%s (dropped %d/%d)</text>`+"\n",
			lx, h-30, color, lx+20, h-19, s, drops, runs)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
