package main

import (
	"errors"
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
