package codec

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	t.Parallel()
	deep := func(n int, open, close string) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	for _, in := range []string{
		``, ` `, `0`, `-0`, `-`, `01`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `-12.5e+30`, `.5`, `+1`, `1x`, `1 2`,
		`true`, `tru`, `truex`, `false`, `null`, `nul`, ` null `, "\tnull\r\n", "\vnull",
		`""`, `"`, `"a\"b"`, `"\u00e9\uD83D"`, `"\u00g0"`, `"\u00"`, `"\x"`, `"\/\b\f\n\r\t"`, "\"\x01\"", "\"\x7f\xff\"",
		`[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`, `[[]`, `[]]`, `[}`, `{]`,
		`{}`, `{ }`, `{"a":1}`, `{"a" : 1 , "b":[true,{"c":null}]}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{1:1}`, `{"a":1 "b":2}`,
		`["echo",{"t":"1:2:xx","n":42}]`, `{"_placeholder":true,"num":0}`,
		deep(maxDepth, "[", "]"), deep(maxDepth+1, "[", "]"), deep(maxDepth, `{"a":`, "}") + "x",
		deep(maxDepth-1, "[", "]") + " ", "[" + deep(maxDepth, "[", "]") + "]",
	} {
		if got, want := valid([]byte(in)), json.Valid([]byte(in)); got != want {
			name := in
			if len(name) > 40 {
				name = name[:40] + "..."
			}
			t.Errorf("valid(%q) = %v, json.Valid says %v", name, got, want)
		}
		checkElements(t, []byte(in))
	}
}

// checkElements compares appendElements with eachElement, the scanner of
// valid JSON, and checks its validity verdict.
func checkElements(t *testing.T, b []byte) {
	t.Helper()
	for skip := range 2 {
		got, ok := appendElements(nil, b, skip)
		if ok != json.Valid(b) {
			t.Fatalf("appendElements(%q) ok = %v", b, ok)
		}
		var want []json.RawMessage
		if i := skipSpace(b, 0); ok && b[i] == '[' {
			n := 0
			_, _ = eachElement(b, i, func(el []byte) error {
				if n >= skip {
					want = append(want, el)
				}
				n++
				return nil
			})
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Fatalf("appendElements(%q, skip %d) = %q, want %q", b, skip, got, want)
		}
	}
}

// FuzzValid checks valid against encoding/json.
func FuzzValid(f *testing.F) {
	for _, s := range []string{`["a",{"b":[1,2.5e-3,true,null,"\u00e9"]}]`, `{"a":}`, `[1,]`, `"\ud800"`, ` -0.0E+1 `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := valid(b), json.Valid(b); got != want {
			t.Fatalf("valid(%q) = %v, json.Valid says %v", b, got, want)
		}
		checkElements(t, b)
	})
}

func BenchmarkValid(b *testing.B) {
	data := []byte(`["echo",{"t":"1732222333444555666:12345:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","n":42,"ok":[true,false,null,-1.5e3]}]`)
	b.Run("codec", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if !valid(data) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if !json.Valid(data) {
				b.Fatal("invalid")
			}
		}
	})
}

func TestPlain8(t *testing.T) {
	t.Parallel()
	naive := func(b []byte) bool {
		for _, c := range b {
			if c < 0x20 || c == '"' || c == '\\' {
				return false
			}
		}
		return true
	}
	special := []byte{0, 0x1f, 0x20, 0x21, '"', '\\', 0x5b, 0x5d, 0x7f, 0x80, 0xa0, 0xdc, 0xff, 'a'}
	b := make([]byte, 8)
	for pos := range 8 {
		for _, fill := range special {
			for _, c := range special {
				for i := range b {
					b[i] = fill
				}
				b[pos] = c
				if got, want := plain8(binary.LittleEndian.Uint64(b)), naive(b); got != want {
					t.Fatalf("plain8(%x) = %v, want %v", b, got, want)
				}
			}
		}
	}
}
