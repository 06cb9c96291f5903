package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type point struct {
	X, Y int
}

type withBytes struct {
	Name    string            `json:"name"`
	Data    []byte            `json:"data"`
	Opt     []byte            `json:"opt,omitempty"`
	Skip    []byte            `json:"-"`
	Dash    int               `json:"-,"`
	Count   int               `json:"count,string"`
	Zero    time.Time         `json:"zero,omitzero"`
	Ptr     *point            `json:"ptr,omitempty"`
	Files   map[string][]byte `json:"files,omitempty"`
	Parts   [][]byte          `json:"parts,omitempty"`
	Any     any               `json:"any,omitempty"`
	private []byte
}

type embeddedBase struct {
	ID   int    `json:"id"`
	Blob []byte `json:"blob"`
}

type Outer struct {
	embeddedBase
	*Inner
	Name string `json:"name"`
}

type Inner struct {
	Name  string // not hidden: JSON names are case-sensitive
	Extra []byte `json:"extra,omitempty"`
}

type conflict struct {
	A1
	A2
	V []byte
}
type A1 struct{ Dup int }
type A2 struct{ Dup int }

type tagged struct {
	T1
	T2
	V []byte
}
type T1 struct {
	Dup int `json:"Dup"`
}
type T2 struct{ Dup int }

type marsh struct{ v string }

func (m marsh) MarshalJSON() ([]byte, error) {
	if m.v == "err" {
		return nil, errors.New("boom")
	}
	if m.v == "panic" {
		panic("marshal panic")
	}
	return []byte(`{ "m" : "` + m.v + `" }`), nil
}

type ptrMarsh struct{ N int }

func (p *ptrMarsh) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprint(p.N * 10)), nil }

type textKey struct{ a, b string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.a + "-" + k.b), nil }

type node struct {
	Kids []*node `json:"kids,omitempty"`
	Data []byte  `json:"data,omitempty"`
}

type quotedAll struct {
	B bool    `json:"b,string"`
	F float64 `json:"f,string"`
	S string  `json:"s,string"`
	U uint8   `json:"u,string"`
	L []byte  `json:"l,string"`
}

type myBytes []byte
type myString string

func TestAppendArgs(t *testing.T) {
	t.Parallel()
	b1, b2, b3 := []byte{1}, []byte{2}, []byte{3}
	var nilPtr *point
	var nilMarsh *ptrMarsh
	tests := []struct {
		name string
		args []any
		want string
		atts [][]byte
	}{
		{"empty", nil, `[]`, nil},
		{"scalars", []any{nil, "s", true, false, 1, int8(-2), int16(3), int32(-4), int64(5), uint(6), uint8(7), uint16(8), uint32(9), uint64(10)}, `[null,"s",true,false,1,-2,3,-4,5,6,7,8,9,10]`, nil},
		{"floats", []any{1.5, 0.0, math.Copysign(0, -1), 1e21, 1e20, 1e-7, 0.000001, float32(0.1), float32(1e22), -2.5e-10}, `[1.5,0,0,1e+21,100000000000000000000,1e-7,0.000001,0.1,1e+22,-2.5e-10]`, nil},
		{"string escapes", []any{"a\"b\\c\n\r\t\b\f\x01\x1f<>&é😀\u2028", "bad\xffutf8"}, `["a\"b\\c\n\r\t\b\f\u0001\u001f<>&é😀` + "\u2028" + `","bad\ufffdutf8"]`, nil},
		{"raw kept byte for byte", []any{json.RawMessage(`{ "a" : [1, 2] }`), json.RawMessage(nil), json.RawMessage(" 1e3 ")}, `[{ "a" : [1, 2] },null, 1e3 ]`, nil},
		{"bytes", []any{b1, []byte(nil), []byte{}}, `[{"_placeholder":true,"num":0},null,{"_placeholder":true,"num":1}]`, [][]byte{b1, {}}},
		{"nested any", []any{[]any{b1, map[string]any{"z": b2, "a": []any{b3}}}, []any(nil), map[string]any(nil)},
			`[[{"_placeholder":true,"num":0},{"a":[{"_placeholder":true,"num":1}],"z":{"_placeholder":true,"num":2}}],null,null]`, [][]byte{b1, b3, b2}},
		{"marshaler", []any{marsh{"x"}, &ptrMarsh{N: 2}, nilMarsh}, `[{"m":"x"},20,null]`, nil},
		{"plain struct", []any{point{1, 2}, &point{3, 4}, nilPtr, []point{{5, 6}}}, `[{"X":1,"Y":2},{"X":3,"Y":4},null,[{"X":5,"Y":6}]]`, nil},
		{"plain no html escape", []any{map[string]string{"k": "<&>"}}, `[{"k":"<&>"}]`, nil},
		{"struct with bytes", []any{withBytes{Name: "n", Data: b1, Skip: b2, Dash: 4, Count: 3, Ptr: &point{1, 2}, Files: map[string][]byte{"b": b2, "a": b3}, Parts: [][]byte{b1}, Any: b2, private: b3}},
			`[{"name":"n","data":{"_placeholder":true,"num":0},"-":4,"count":"3","ptr":{"X":1,"Y":2},"files":{"a":{"_placeholder":true,"num":1},"b":{"_placeholder":true,"num":2}},"parts":[{"_placeholder":true,"num":3}],"any":{"_placeholder":true,"num":4}}]`,
			[][]byte{b1, b3, b2, b1, b2}},
		{"struct pointer omitted fields", []any{&withBytes{Zero: time.Time{}}}, `[{"name":"","data":null,"-":0,"count":"0"}]`, nil},
		{"embedded", []any{Outer{embeddedBase: embeddedBase{ID: 1, Blob: b1}, Inner: &Inner{Name: "hidden", Extra: b2}, Name: "top"}},
			`[{"id":1,"blob":{"_placeholder":true,"num":0},"Name":"hidden","extra":{"_placeholder":true,"num":1},"name":"top"}]`, [][]byte{b1, b2}},
		{"embedded nil pointer", []any{Outer{Name: "n"}}, `[{"id":0,"blob":null,"name":"n"}]`, nil},
		{"ambiguous dropped", []any{conflict{A1{1}, A2{2}, b1}}, `[{"V":{"_placeholder":true,"num":0}}]`, [][]byte{b1}},
		{"tagged wins", []any{tagged{T1{1}, T2{2}, b1}}, `[{"Dup":1,"V":{"_placeholder":true,"num":0}}]`, [][]byte{b1}},
		{"typed slices and maps", []any{map[int][]byte{2: b2, 10: b1}, [2][]byte{b1, b2}, []myBytes{myBytes(b3)}, map[textKey]any{{"a", "b"}: b1}, map[uint]myString{1: "x"}},
			`[{"10":{"_placeholder":true,"num":0},"2":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":2},{"_placeholder":true,"num":3}],[{"_placeholder":true,"num":4}],{"a-b":{"_placeholder":true,"num":5}},{"1":"x"}]`,
			[][]byte{b1, b2, b1, b2, b3, b1}},
		{"recursive", []any{&node{Kids: []*node{{Data: b1}, {Kids: []*node{{Data: b2}}}}}}, `[{"kids":[{"data":{"_placeholder":true,"num":0}},{"kids":[{"data":{"_placeholder":true,"num":1}}]}]}]`, [][]byte{b1, b2}},
		{"quoted", []any{quotedAll{B: true, F: 1.5, S: "x", U: 7, L: b1}}, `[{"b":"true","f":"1.5","s":"\"x\"","u":"7","l":{"_placeholder":true,"num":0}}]`, [][]byte{b1}},
		{"interface slice typed", []any{[]any{[]int{1}, map[string]int{"a": 1}}}, `[[[1],{"a":1}]]`, nil},
		{"pointer to any", []any{func() *any { var x any = b1; return &x }()}, `[{"_placeholder":true,"num":0}]`, [][]byte{b1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, atts, err := AppendArgs([]byte("x"), tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "x"+tt.want {
				t.Errorf("AppendArgs =\n%s\nwant\nx%s", got, tt.want)
			}
			if !reflect.DeepEqual(atts, tt.atts) {
				t.Errorf("attachments = %v, want %v", atts, tt.atts)
			}
			if !json.Valid(got[1:]) {
				t.Errorf("output is not valid JSON")
			}
		})
	}
}

func TestAppendArgsMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	values := []any{
		point{1, 2}, map[string]any{"b": []any{1.25, "x", nil}, "a": map[string]any{}},
		[]string{"a", "b"}, map[int]string{3: "c", 1: "a"}, struct {
			A int `json:"a,omitempty"`
			B string
		}{B: "b"}, 123456789.125, -0.000001, 1e-7, float32(3.25), "tab\tquote\"", json.Number("12.5"),
	}
	for _, v := range values {
		got, _, err := AppendArgs(nil, []any{v})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal([]any{v})
		if string(got) != string(want) {
			t.Errorf("AppendArgs(%#v) = %s, encoding/json %s", v, got, want)
		}
	}
}

func TestAppendArgsErrors(t *testing.T) {
	t.Parallel()
	type unexportedMarsh struct {
		marsh
	}
	tests := []struct {
		name string
		args []any
		idx  int
	}{
		{"nan", []any{1, math.NaN()}, 1},
		{"inf32", []any{float32(math.Inf(1))}, 0},
		{"inf in struct", []any{"ok", struct {
			F float64
			B []byte
		}{F: math.Inf(-1)}}, 1},
		{"chan", []any{make(chan int)}, 0},
		{"chan in any map", []any{map[string]any{"c": make(chan int)}}, 0},
		{"func in bytes struct", []any{struct {
			F func()
			B []byte
		}{}}, 0},
		{"bad raw", []any{json.RawMessage(`{`)}, 0},
		{"marshal error", []any{"a", "b", marsh{"err"}}, 2},
		{"marshal panic", []any{marsh{"panic"}}, 0},
		{"bad map key", []any{map[[2]int][]byte{{1, 2}: nil}}, 0},
		{"bad float key map", []any{map[float64]any{1: nil}}, 0},
		{"nested error", []any{[]any{map[string]any{"x": math.NaN()}}}, 0},
		{"array error", []any{[1]any{math.NaN()}}, 0},
		{"ptr error", []any{&[]any{math.NaN()}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := []byte("keep")
			got, atts, err := AppendArgs(dst, tt.args)
			if err == nil {
				t.Fatalf("AppendArgs = %s, want error", got)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("argument %d:", tt.idx)) {
				t.Errorf("error %q does not name argument %d", err, tt.idx)
			}
			if string(got) != "keep" || atts != nil {
				t.Errorf("on error got %q, %v; want dst unchanged", got, atts)
			}
		})
	}
	if _, _, err := AppendValue(nil, math.NaN()); err == nil {
		t.Error("AppendValue(NaN) succeeded")
	}
}

func TestSplitArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{`[]`, nil},
		{` [ ] `, nil},
		{`["a"]`, []string{`"a"`}},
		{`[ 1 , "x,y]" , {"a":[1,{"b":"]}"}]} , [ ] , null,true ,-1.5e3 ]`, []string{`1`, `"x,y]"`, `{"a":[1,{"b":"]}"}]}`, `[ ]`, `null`, `true`, `-1.5e3`}},
		{`["esc\"aped\\",2]`, []string{`"esc\"aped\\"`, `2`}},
	}
	for _, tt := range tests {
		a, err := SplitArgs(json.RawMessage(tt.in), nil)
		if err != nil {
			t.Errorf("SplitArgs(%q): %v", tt.in, err)
			continue
		}
		if a.Len() != len(tt.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tt.in, a.Raw, tt.want)
			continue
		}
		for i := range tt.want {
			if string(a.Raw[i]) != tt.want[i] {
				t.Errorf("SplitArgs(%q)[%d] = %s, want %s", tt.in, i, a.Raw[i], tt.want[i])
			}
		}
	}
	for _, in := range []string{``, ` `, `{}`, `"a"`, `[`, `[1,]`, `[1 2]`, `1`, `[1]]`} {
		_, err := SplitArgs(json.RawMessage(in), nil)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("SplitArgs(%q) = %v, want *SyntaxError", in, err)
		}
	}
}

func TestArgsDecode(t *testing.T) {
	t.Parallel()
	b0, b1 := []byte("zero"), []byte("one")
	raw, atts, err := AppendArgs(nil, []any{
		"name", b0, map[string]any{"file": b1, "n": 2}, []any{b0, []any{b1}}, withBytes{Name: "w", Data: b1, Parts: [][]byte{b0}}, 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := SplitArgs(raw, atts)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := a.Decode(0, &s); err != nil || s != "name" {
		t.Errorf("Decode string = %q, %v", s, err)
	}
	var b []byte
	if err := a.Decode(1, &b); err != nil || string(b) != "zero" {
		t.Errorf("Decode []byte = %q, %v", b, err)
	}
	var x any
	if err := a.Decode(2, &x); err != nil || !reflect.DeepEqual(x, map[string]any{"file": b1, "n": 2.0}) {
		t.Errorf("Decode any = %#v, %v", x, err)
	}
	var m map[string]any
	if err := a.Decode(2, &m); err != nil || !reflect.DeepEqual(m, map[string]any{"file": b1, "n": 2.0}) {
		t.Errorf("Decode map = %#v, %v", m, err)
	}
	var l []any
	if err := a.Decode(3, &l); err != nil || !reflect.DeepEqual(l, []any{b0, []any{b1}}) {
		t.Errorf("Decode []any = %#v, %v", l, err)
	}
	var w withBytes
	if err := a.Decode(4, &w); err != nil || w.Name != "w" || string(w.Data) != "one" || len(w.Parts) != 1 || string(w.Parts[0]) != "zero" {
		t.Errorf("Decode struct = %+v, %v", w, err)
	}
	var file struct {
		File []byte `json:"file"`
		N    int    `json:"n"`
	}
	if err := a.Decode(2, &file); err != nil || string(file.File) != "one" || file.N != 2 {
		t.Errorf("Decode typed = %+v, %v", file, err)
	}
	var bs [][]byte
	if err := a.Decode(3, &bs); err == nil {
		t.Errorf("Decode nested list into [][]byte = %q, want type error", bs)
	}
	var n int
	if err := a.Decode(5, &n); err != nil || n != 7 {
		t.Errorf("Decode int = %d, %v", n, err)
	}
	if err := a.Decode(5, &b); err == nil {
		t.Error("Decode number into []byte succeeded")
	}
	all, err := a.Any()
	if err != nil || len(all) != 6 || !reflect.DeepEqual(all[1], b0) {
		t.Errorf("Any() = %#v, %v", all, err)
	}
	if got := string(a.AppendJSON(nil)); got != string(raw) {
		t.Errorf("AppendJSON = %s, want %s", got, raw)
	}
}

func TestArgsDecodeErrors(t *testing.T) {
	t.Parallel()
	one := [][]byte{{1}}
	tests := []struct {
		name string
		args Args
		i    int
		v    any
		want error
	}{
		{"no arg", Args{Raw: raws(`1`)}, 1, new(int), ErrNoArg},
		{"negative", Args{Raw: raws(`1`)}, -1, new(int), ErrNoArg},
		{"no value", ArgsOf(1), 3, new(int), ErrNoArg},
		{"empty values", ArgsOf(), 0, new(int), ErrNoArg},
		{"nil target", Args{Raw: raws(`1`)}, 0, nil, nil},
		{"non-pointer", Args{Raw: raws(`1`)}, 0, 5, nil},
		{"nil pointer", Args{Raw: raws(`1`)}, 0, (*int)(nil), nil},
		{"mismatch", Args{Raw: raws(`"s"`)}, 0, new(int), nil},
		{"bytes out of range", Args{Raw: raws(`{"_placeholder":true,"num":1}`), Attachments: one}, 0, new([]byte), errPlaceholder},
		{"bytes bad num", Args{Raw: raws(`{"_placeholder":true,"num":"0"}`), Attachments: one}, 0, new([]byte), errPlaceholder},
		{"any out of range", Args{Raw: raws(`[{"_placeholder":true,"num":-1}]`), Attachments: one}, 0, new(any), errPlaceholder},
		{"any fraction", Args{Raw: raws(`{"a":{"_placeholder":true,"num":0.5}}`), Attachments: one}, 0, new(any), errPlaceholder},
		{"slice out of range", Args{Raw: raws(`[{"_placeholder":true,"num":3}]`), Attachments: one}, 0, new([]any), errPlaceholder},
		{"map out of range", Args{Raw: raws(`{"a":{"_placeholder":true,"num":3}}`), Attachments: one}, 0, new(map[string]any), errPlaceholder},
		{"typed out of range", Args{Raw: raws(`{"a":[{"_placeholder":true,"num":3}]}`), Attachments: one}, 0, new(struct{ A [][]byte }), errPlaceholder},
		{"bad json any", Args{Raw: raws(`{`), Attachments: one}, 0, new(any), nil},
		{"bad json slice", Args{Raw: raws(`{`), Attachments: one}, 0, new([]any), nil},
		{"bad json map", Args{Raw: raws(`[`), Attachments: one}, 0, new(map[string]any), nil},
		{"bad json typed", Args{Raw: raws(`{"_placeholder":`), Attachments: one}, 0, new(point), nil},
		{"values unmarshalable", ArgsOf(make(chan int)), 0, new(int), nil},
		{"values mismatch", ArgsOf("s"), 0, new(int), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.args.Decode(tt.i, tt.v)
			if err == nil {
				t.Fatal("Decode succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Decode = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("codec: argument %d:", tt.i)) {
				t.Errorf("error %q does not name the index", err)
			}
		})
	}
}

type panicUnmarshal struct{}

func (*panicUnmarshal) UnmarshalJSON([]byte) error { panic("unmarshal panic") }

func TestArgsDecodeNeverPanics(t *testing.T) {
	t.Parallel()
	a := Args{Raw: raws(`1`)}
	if err := a.Decode(0, new(panicUnmarshal)); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("Decode = %v, want recovered panic", err)
	}
}

func TestArgsValues(t *testing.T) {
	t.Parallel()
	b := []byte("bin")
	p := &point{1, 2}
	a := ArgsOf("s", 3, b, p, map[string]any{"data": b, "n": 1}, nil, withBytes{Name: "w", Data: b})
	if a.Len() != 7 {
		t.Fatalf("Len = %d", a.Len())
	}
	var s string
	if err := a.Decode(0, &s); err != nil || s != "s" {
		t.Errorf("string: %q, %v", s, err)
	}
	var f float64
	if err := a.Decode(1, &f); err != nil || f != 3 {
		t.Errorf("int into float64: %v, %v", f, err)
	}
	var got []byte
	if err := a.Decode(2, &got); err != nil || &got[0] != &b[0] {
		t.Errorf("[]byte not assigned directly: %v", err)
	}
	var pp *point
	if err := a.Decode(3, &pp); err != nil || pp != p {
		t.Errorf("pointer not assigned directly: %v", err)
	}
	var pv point
	if err := a.Decode(3, &pv); err != nil || pv != *p {
		t.Errorf("pointer into value: %+v, %v", pv, err)
	}
	var typed struct {
		Data []byte `json:"data"`
		N    int    `json:"n"`
	}
	if err := a.Decode(4, &typed); err != nil || string(typed.Data) != "bin" || typed.N != 1 {
		t.Errorf("map into struct: %+v, %v", typed, err)
	}
	x := any("old")
	if err := a.Decode(5, &x); err != nil || x != nil {
		t.Errorf("nil into any: %#v, %v", x, err)
	}
	var wm map[string]any
	if err := a.Decode(6, &wm); err != nil || !reflect.DeepEqual(wm["data"], b) {
		t.Errorf("struct into map: %#v, %v", wm, err)
	}
	all, err := a.Any()
	if err != nil || !reflect.DeepEqual(all, a.Values) {
		t.Errorf("Any() = %#v, %v", all, err)
	}
	if got := string(ArgsOf("a", 1).AppendJSON([]byte("x"))); got != `x["a",1]` {
		t.Errorf("AppendJSON(values) = %s", got)
	}
	if got := string(ArgsOf("a", math.NaN(), b).AppendJSON(nil)); got != `["a",null,{"_placeholder":true,"num":0}]` {
		t.Errorf("AppendJSON(bad value) = %s", got)
	}
	if got := string(ArgsOf().AppendJSON(nil)); got != `[]` {
		t.Errorf("AppendJSON(no values) = %s", got)
	}
}

func TestArgsAnyError(t *testing.T) {
	t.Parallel()
	a := Args{Raw: raws(`1`, `{"_placeholder":true,"num":5}`), Attachments: [][]byte{{1}}}
	if _, err := a.Any(); !errors.Is(err, errPlaceholder) {
		t.Errorf("Any() = %v, want placeholder error", err)
	}
}

func TestArgsNoAttachmentsPlain(t *testing.T) {
	t.Parallel()
	// Without attachments a placeholder is plain JSON, decoded as it is.
	a := Args{Raw: raws(`{"_placeholder":true,"num":0}`)}
	var m map[string]any
	if err := a.Decode(0, &m); err != nil || m["_placeholder"] != true {
		t.Errorf("Decode = %#v, %v", m, err)
	}
}

func TestPlaceholderLookalikes(t *testing.T) {
	t.Parallel()
	atts := [][]byte{[]byte("A")}
	a := Args{Raw: raws(
		`{"_placeholder":false,"num":0}`,
		`{"x":"_placeholder","_placeholder":true,"num":0,"extra":1}`,
		`[{"k":{"_placeholder":true,"num":0}}, "_placeholder"]`,
	), Attachments: atts}
	var m map[string]any
	if err := a.Decode(0, &m); err != nil || m["_placeholder"] != false {
		t.Errorf("false placeholder: %#v, %v", m, err)
	}
	var b []byte
	if err := a.Decode(1, &b); err != nil || string(b) != "A" {
		t.Errorf("placeholder with extra keys: %q, %v", b, err)
	}
	var typed []struct {
		K []byte `json:"k"`
	}
	if err := a.Decode(2, &typed); err == nil {
		t.Error("a string element decoded into a struct")
	}
	var mixed []any
	if err := a.Decode(2, &mixed); err != nil || !reflect.DeepEqual(mixed, []any{map[string]any{"k": atts[0]}, "_placeholder"}) {
		t.Errorf("mixed: %#v, %v", mixed, err)
	}
	var typed2 struct {
		K []byte `json:"k"`
	}
	a2 := Args{Raw: raws(`{"k":{"_placeholder":true,"num":0},"s":"_placeholder"}`), Attachments: atts}
	if err := a2.Decode(0, &typed2); err != nil || string(typed2.K) != "A" {
		t.Errorf("typed: %+v, %v", typed2, err)
	}
}

func raws(elems ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(elems))
	for i, e := range elems {
		out[i] = json.RawMessage(e)
	}
	return out
}

type hiddenScalars struct {
	S   string             `json:"s"`
	B   bool               `json:"b"`
	U   uint16             `json:"u"`
	F   float64            `json:"f"`
	F32 float32            `json:"f32"`
	P   *int               `json:"p"`
	M   map[string]int     `json:"m"`
	L   []string           `json:"l"`
	NL  []string           `json:"nl"`
	I   any                `json:"i"`
	A   [1]int             `json:"a"`
	Raw []byte             `json:"raw"`
	Q   int                `json:"q,string"`
	E1  string             `json:"e1,omitempty"`
	E2  bool               `json:"e2,omitempty"`
	E3  uint               `json:"e3,omitempty"`
	E4  float32            `json:"e4,omitempty"`
	E5  *int               `json:"e5,omitempty"`
	E6  map[string][]byte  `json:"e6,omitempty"`
	E7  any                `json:"e7,omitempty"`
	Z1  time.Time          `json:"z1,omitzero"`
	Z2  *time.Time         `json:"z2,omitzero"`
	Z3  [2]int             `json:"z3,omitzero"`
	NM  map[textKey][]byte `json:"nm"`
}

type showsHidden struct {
	hiddenScalars
}

func TestAppendArgsUnexportedEmbedded(t *testing.T) {
	t.Parallel()
	seven := 7
	v := showsHidden{hiddenScalars{S: "s", B: true, U: 3, F: 1.5, F32: 2.5, P: &seven, M: map[string]int{"k": 1}, L: []string{"x"},
		I: []byte{1}, A: [1]int{4}, Raw: []byte{2}, Q: 9}}
	got, atts, err := AppendArgs(nil, []any{v})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"s":"s","b":true,"u":3,"f":1.5,"f32":2.5,"p":7,"m":{"k":1},"l":["x"],"nl":null,"i":{"_placeholder":true,"num":0},"a":[4],"raw":{"_placeholder":true,"num":1},"q":"9","nm":null}]`
	if string(got) != want || len(atts) != 2 {
		t.Errorf("AppendArgs =\n%s\nwant\n%s (%d attachments)", got, want, len(atts))
	}
	type hiddenMarsh struct{ M marsh }
	type showsMarsh struct {
		hiddenMarsh
		B []byte
	}
	// Promoted fields of an unexported embedded struct are exported.
	if got, _, err := AppendArgs(nil, []any{showsMarsh{hiddenMarsh{marsh{"x"}}, nil}}); err != nil || string(got) != `[{"M":{"m":"x"},"B":null}]` {
		t.Errorf("promoted marshaler: %s, %v", got, err)
	}
}
