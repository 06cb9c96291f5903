package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestAppendArgsSplice(t *testing.T) {
	t.Parallel()
	x, y, z := []byte("X"), []byte("Y"), []byte("Z")
	tests := []struct {
		name     string
		args     []any
		want     string
		wantAtts [][]byte
	}{
		{
			name: "raw without binary, after binary",
			args: []any{x, Args{Raw: raws(`{"b":1,"a":12345678901234567890}`, `[1.50,"\u00e9"]`)}},
			want: `[{"_placeholder":true,"num":0},{"b":1,"a":12345678901234567890},[1.50,"\u00e9"]]`, wantAtts: [][]byte{x},
		},
		{
			name:     "placeholders renumbered, other bytes kept",
			args:     []any{x, y, Args{Raw: raws(`{ "num" : 0 , "_placeholder" : true, "z":9 }`, `{"k":[{"_placeholder":true,"num":1}],"n":12345678901234567890}`), Attachments: [][]byte{z, x}}},
			want:     `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{ "num" : 2 , "_placeholder" : true, "z":9 },{"k":[{"_placeholder":true,"num":3}],"n":12345678901234567890}]`,
			wantAtts: [][]byte{x, y, z, x},
		},
		{
			name: "escaped keys",
			args: []any{x, Args{Raw: raws(`{"\u005fplaceholder":true,"n\u0075m":0}`), Attachments: [][]byte{y}}},
			want: `[{"_placeholder":true,"num":0},{"\u005fplaceholder":true,"n\u0075m":1}]`, wantAtts: [][]byte{x, y},
		},
		{
			name:     "lookalikes untouched",
			args:     []any{x, Args{Raw: raws(`{"_placeholder":false,"num":0}`, `["_placeholder",{"num":0},{"_placeholder":"true","num":0}]`, `{"_placeholder":true,"num":0}`), Attachments: [][]byte{y}}},
			want:     `[{"_placeholder":true,"num":0},{"_placeholder":false,"num":0},["_placeholder",{"num":0},{"_placeholder":"true","num":0}],{"_placeholder":true,"num":1}]`,
			wantAtts: [][]byte{x, y},
		},
		{
			name: "members of a placeholder are not searched",
			args: []any{x, Args{Raw: raws(`{"_placeholder":true,"num":0,"in":{"_placeholder":true,"num":5}}`), Attachments: [][]byte{y}}},
			want: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1,"in":{"_placeholder":true,"num":5}}]`, wantAtts: [][]byte{x, y},
		},
		{
			name: "duplicate members: the last counts, every num is rewritten",
			args: []any{x, Args{Raw: raws(`{"num":7,"_placeholder":false,"num":0,"_placeholder":true}`), Attachments: [][]byte{y}}},
			want: `[{"_placeholder":true,"num":0},{"num":1,"_placeholder":false,"num":1,"_placeholder":true}]`, wantAtts: [][]byte{x, y},
		},
		{
			name: "float num",
			args: []any{x, Args{Raw: raws(`{"_placeholder":true,"num":0.0}`), Attachments: [][]byte{y}}},
			want: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, wantAtts: [][]byte{x, y},
		},
		{
			name: "offset zero keeps every byte",
			args: []any{Args{Raw: raws(`{"_placeholder":true,"num":0.0}`, `{"b":{"num":1,"_placeholder":true}}`), Attachments: [][]byte{y, z}}, x},
			want: `[{"_placeholder":true,"num":0.0},{"b":{"num":1,"_placeholder":true}},{"_placeholder":true,"num":2}]`, wantAtts: [][]byte{y, z, x},
		},
		{
			name: "unreferenced and reordered attachments keep their indexes",
			args: []any{x, Args{Raw: raws(`{"_placeholder":true,"num":2}`, `{"_placeholder":true,"num":0}`), Attachments: [][]byte{y, z, x}}},
			want: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":3},{"_placeholder":true,"num":1}]`, wantAtts: [][]byte{x, y, z, x},
		},
		{
			name: "no attachments: placeholder lookalikes are plain objects",
			args: []any{x, Args{Raw: raws(`{"_placeholder":true,"num":9}`)}},
			want: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":9}]`, wantAtts: [][]byte{x},
		},
		{
			name: "values form expanded",
			args: []any{"ev", x, ArgsOf(1, y, map[string]any{"b": 2, "a": z})},
			want: `["ev",{"_placeholder":true,"num":0},1,{"_placeholder":true,"num":1},{"a":{"_placeholder":true,"num":2},"b":2}]`, wantAtts: [][]byte{x, y, z},
		},
		{
			name: "nested: raw inside values",
			args: []any{ArgsOf(x, Args{Raw: raws(`{"_placeholder":true,"num":0}`), Attachments: [][]byte{y}}), z},
			want: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]`, wantAtts: [][]byte{x, y, z},
		},
		{
			name: "empty Args splice nothing",
			args: []any{Args{}, "a", ArgsOf(), Args{Raw: []json.RawMessage{}}, "b", Args{}},
			want: `["a","b"]`,
		},
		{name: "only an empty Args", args: []any{ArgsOf()}, want: `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, atts, err := AppendArgs([]byte("pre"), tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "pre"+tt.want {
				t.Errorf("got  %s\nwant pre%s", got, tt.want)
			}
			if !reflect.DeepEqual(atts, tt.wantAtts) {
				t.Errorf("attachments %q, want %q", atts, tt.wantAtts)
			}
		})
	}
}

func TestAppendArgsSpliceErrors(t *testing.T) {
	t.Parallel()
	one := [][]byte{[]byte("A")}
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"invalid raw", []any{"a", Args{Raw: raws(`{"a":`)}}, "argument 1: element 0: codec: syntax error"},
		{"empty raw", []any{Args{Raw: raws(``)}}, "argument 0: element 0"},
		{"num out of range", []any{Args{Raw: raws(`1`, `[{"_placeholder":true,"num":1}]`), Attachments: one}}, "argument 0: element 1: codec: bad placeholder"},
		{"negative num", []any{Args{Raw: raws(`{"_placeholder":true,"num":-1}`), Attachments: one}}, "bad placeholder"},
		{"fractional num", []any{Args{Raw: raws(`{"_placeholder":true,"num":0.5}`), Attachments: one}}, "bad placeholder"},
		{"string num", []any{Args{Raw: raws(`{"_placeholder":true,"num":"0"}`), Attachments: one}}, "bad placeholder"},
		{"no num", []any{Args{Raw: raws(`{"_placeholder":true}`), Attachments: one}}, "bad placeholder"},
		{"huge num", []any{Args{Raw: raws(`{"_placeholder":true,"num":1e400}`), Attachments: one}}, "bad placeholder"},
		{"inside values", []any{ArgsOf(1, func() {})}, "argument 0: argument 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, atts, err := AppendArgs([]byte("keep"), tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "codec: ") {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if string(got) != "keep" || atts != nil {
				t.Errorf("on error got %q, %q", got, atts)
			}
		})
	}
}

func TestSpliceArgs(t *testing.T) {
	t.Parallel()
	x := []byte("X")
	t.Run("no Args: the slice itself", func(t *testing.T) {
		t.Parallel()
		in := []any{1, "a", x}
		a, err := SpliceArgs(in)
		if err != nil || len(a.Values) != 3 || &a.Values[0] != &in[0] {
			t.Fatalf("got %#v, %v", a, err)
		}
	})
	t.Run("values form expanded", func(t *testing.T) {
		t.Parallel()
		in := []any{1, ArgsOf("a", ArgsOf(x)), ArgsOf()}
		a, err := SpliceArgs(in)
		if err != nil || !reflect.DeepEqual(a, Args{Values: []any{1, "a", x}}) {
			t.Fatalf("got %#v, %v", a, err)
		}
		if _, ok := in[1].(Args); !ok {
			t.Error("input modified")
		}
	})
	t.Run("raw form kept raw", func(t *testing.T) {
		t.Parallel()
		in := []any{x, ArgsOf(Args{Raw: raws(`{"b":1,"a":12345678901234567890}`, `{"_placeholder":true,"num":0}`), Attachments: [][]byte{[]byte("Y")}})}
		a, err := SpliceArgs(in)
		if err != nil || a.Values != nil {
			t.Fatalf("got %#v, %v", a, err)
		}
		want := `[{"_placeholder":true,"num":0},{"b":1,"a":12345678901234567890},{"_placeholder":true,"num":1}]`
		if got := a.AppendJSON(nil); string(got) != want || len(a.Attachments) != 2 || string(a.Attachments[1]) != "Y" {
			t.Fatalf("got %s %q", got, a.Attachments)
		}
	})
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		if _, err := SpliceArgs([]any{Args{Raw: raws(`nope`)}}); err == nil {
			t.Fatal("no error for invalid raw JSON")
		}
	})
}

// TestSpliceRoundTrip splits received arguments, splices them after binary
// arguments and splits again: same elements (placeholders renumbered), same
// attachments.
func TestSpliceRoundTrip(t *testing.T) {
	t.Parallel()
	for _, data := range []string{
		`[{"z":1,"a":[{"_placeholder":true,"num":1}],"big":9007199254740993},{"_placeholder":true,"num":0},"s"]`,
		`[ {"num":0,"_placeholder":true} , 1e3 ]`,
	} {
		checkSplice(t, []byte(data), 2, 3)
	}
}

// checkSplice checks splicing SplitArgs(data, natts attachments) after pre
// binary arguments (and before one more); it reports whether data was
// accepted by SplitArgs and Any.
func checkSplice(t *testing.T, data []byte, natts, pre int) bool {
	t.Helper()
	atts := make([][]byte, natts)
	for i := range atts {
		atts[i] = []byte{'a', byte(i)}
	}
	a, err := SplitArgs(data, atts)
	if err != nil {
		return false
	}
	vals, anyErr := a.Any()
	// Alone, the Args is written as received. Splicing fails exactly where
	// decoding finds a bad placeholder (decoding also fails on numbers out
	// of float64 range).
	alone, aloneAtts, err := AppendArgs(nil, []any{a})
	if err != nil && anyErr == nil || errors.Is(anyErr, errPlaceholder) && err == nil {
		t.Fatalf("splice error %v, decode error %v, for %s", err, anyErr, data)
	}
	if err != nil || anyErr != nil {
		return false
	}
	if want := a.AppendJSON(nil); !bytes.Equal(alone, want) || !reflect.DeepEqual(aloneAtts, nilIfEmpty(atts)) {
		t.Fatalf("alone: %s %q, want %s %q", alone, aloneAtts, want, atts)
	}
	if natts == 0 && (bytes.Contains(data, []byte("_placeholder")) || bytes.Contains(data, []byte(`\u`))) {
		// Without attachments nothing is a placeholder, but next to binary
		// a lookalike would read as one (as with Node's encoder).
		return true
	}
	args := make([]any, 0, pre+2)
	var wantAtts [][]byte
	for i := range pre {
		b := []byte{'p', byte(i)}
		args = append(args, b)
		wantAtts = append(wantAtts, b)
	}
	last := []byte("last")
	args = append(args, a, last)
	wantAtts = append(append(wantAtts, atts...), last)
	out, outAtts, err := AppendArgs(nil, args)
	if err != nil {
		t.Fatalf("splice after %d: %v", pre, err)
	}
	if !reflect.DeepEqual(outAtts, wantAtts) {
		t.Fatalf("attachments %q, want %q", outAtts, wantAtts)
	}
	b, err := SplitArgs(out, outAtts)
	if err != nil || b.Len() != pre+a.Len()+1 {
		t.Fatalf("re-split %s: %d elements, %v", out, b.Len(), err)
	}
	all, err := b.Any()
	if err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if !reflect.DeepEqual(normalize(all[pre:pre+a.Len()]), normalize(vals)) || !bytes.Equal(all[len(all)-1].([]byte), last) {
		t.Fatalf("decoded %#v, want %#v", all[pre:], vals)
	}
	for j, raw := range a.Raw {
		got := b.Raw[pre+j]
		if pre == 0 && !bytes.Equal(got, raw) {
			t.Fatalf("element %d: %s, want %s", j, got, raw)
		}
		if !bytes.Equal(stripNumbers(got), stripNumbers(raw)) || !sameTokens(t, got, raw, pre) {
			t.Fatalf("element %d: %s is not %s renumbered by %d", j, got, raw, pre)
		}
	}
	return true
}

func nilIfEmpty(b [][]byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// stripNumbers drops the bytes numbers are written with: what is left of a
// renumbered element (its spaces, keys, strings) must be unchanged.
func stripNumbers(b []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if strings.ContainsRune("0123456789.eE+-", r) {
			return -1
		}
		return r
	}, b)
}

// sameTokens reports whether got and want are the same JSON tokens, except
// that a number following a "num" key may be larger by off in got.
func sameTokens(t *testing.T, got, want []byte, off int) bool {
	t.Helper()
	dg, dw := json.NewDecoder(bytes.NewReader(got)), json.NewDecoder(bytes.NewReader(want))
	dg.UseNumber()
	dw.UseNumber()
	var prev json.Token
	for {
		tg, eg := dg.Token()
		tw, ew := dw.Token()
		if errors.Is(eg, io.EOF) && errors.Is(ew, io.EOF) {
			return true
		}
		if eg != nil || ew != nil {
			t.Logf("tokens: %v, %v", eg, ew)
			return false
		}
		if tg != tw {
			ng, ok1 := tg.(json.Number)
			nw, ok2 := tw.(json.Number)
			if !ok1 || !ok2 || prev != "num" {
				return false
			}
			fg, _ := ng.Float64()
			fw, _ := nw.Float64()
			if fg != fw+float64(off) {
				return false
			}
		}
		prev = tw
	}
}

func FuzzSpliceArgs(f *testing.F) {
	for _, s := range []string{
		`[]`, `["a",{"b":1,"a":12345678901234567890}]`,
		`[{"_placeholder":true,"num":0},[{"num":1,"_placeholder":true}]]`,
		`[{"\u005fplaceholder":true,"n\u0075m":1}]`, `[{"_placeholder":true,"num":0,"_placeholder":false}]`,
		`[{"_placeholder":true,"num":-1}]`, `[{"_placeholder":true,"num":"0"}]`, `[{"_placeholder":true}]`,
		` [ { "num" : 1.0 , "_placeholder" : true } ] `, `[{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}]`,
	} {
		f.Add([]byte(s), uint8(2), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, natts, pre uint8) {
		checkSplice(t, data, int(natts%4), int(pre%4))
		// Splicing through the Values form is the same as through the list.
		a, err := SplitArgs(data, nil)
		if err != nil {
			return
		}
		direct, _, err1 := AppendArgs(nil, []any{1, a})
		nested, _, err2 := AppendArgs(nil, []any{ArgsOf(1, ArgsOf(a))})
		if (err1 == nil) != (err2 == nil) || !bytes.Equal(direct, nested) {
			t.Fatalf("direct %s (%v), nested %s (%v)", direct, err1, nested, err2)
		}
		if s, err := SpliceArgs([]any{1, a}); err == nil && !bytes.Equal(s.AppendJSON(nil), direct) {
			t.Fatalf("SpliceArgs %s, want %s", s.AppendJSON(nil), direct)
		}
	})
}

func TestSpliceKind(t *testing.T) {
	t.Parallel()
	raw := Args{Raw: raws(`1`)}
	tests := []struct {
		in   []any
		want int
	}{
		{nil, noArgs},
		{[]any{1, "a"}, noArgs},
		{[]any{ArgsOf(1)}, valueArgs},
		{[]any{ArgsOf(ArgsOf(1))}, valueArgs},
		{[]any{ArgsOf(raw), 1}, rawArgs},
		{[]any{ArgsOf(1), raw}, rawArgs},
		{[]any{Args{}}, rawArgs},
	}
	for i, tt := range tests {
		if got := spliceKind(tt.in); got != tt.want {
			t.Errorf("%d: spliceKind(%v) = %d, want %d", i, tt.in, got, tt.want)
		}
	}
}
