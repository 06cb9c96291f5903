package redisadapter

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/codec"
)

// Captured from Node (docs/redis-adapter.md section 1).
const capturedEmit = "93a6706261327a3683a47479706502a46461746194a568656c6c6fa5776f726c640181a161c3a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380"

func TestAppendBroadcastCaptured(t *testing.T) {
	t.Parallel()
	for _, pkt := range []*codec.Packet{
		{Type: codec.Event, Namespace: "/", Data: json.RawMessage(`["hello","world",1,{"a":true}]`)},
		{Type: codec.Event, Namespace: "/", Values: []any{"hello", "world", 1, map[string]any{"a": true}}},
	} {
		args, err := packetArgs(nil, pkt)
		if err != nil {
			t.Fatal(err)
		}
		got := hex.EncodeToString(appendBroadcast(nil, "pba2z6", "/", args, bus.BroadcastOptions{}))
		if got != capturedEmit {
			t.Fatalf("got  %s\nwant %s", got, capturedEmit)
		}
	}
}

func TestAppendMsgpackCapturedValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, json string
		atts       [][]byte
		want       string
	}{
		{"buffer", `{"_placeholder":true,"num":0}`, [][]byte{{1, 2, 3}}, "c403010203"},
		{"float", `1.5`, nil, "cb3ff8000000000000"},
		{"minus one", `-1`, nil, "ff"},
		{"300", `300`, nil, "cd012c"},
		{"null", `null`, nil, "c0"},
		{"integral float", `2.0`, nil, "02"},
		{"big", `18446744073709551615`, nil, "cfffffffffffffffff"},
		{"neg", `-129`, nil, "d1ff7f"},
		{"escaped string", `"a\"\u00e9"`, nil, "a461" + "22c3a9"},
		{"not a placeholder", `{"_placeholder":true,"num":5}`, [][]byte{{1}}, "82ac5f706c616365686f6c646572c3a36e756d05"},
		{"nested", `[[],{}]`, nil, "929080"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := AppendMsgpack(nil, json.RawMessage(tc.json), tc.atts)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); got != tc.want {
				t.Fatalf("got %s want %s", got, tc.want)
			}
		})
	}
}

func TestFlagsCaptured(t *testing.T) {
	t.Parallel()
	no := false
	got := hex.EncodeToString(appendFlags(nil, bus.BroadcastFlags{Volatile: true, Compress: &no}))
	want := "82a8766f6c6174696c65c3a8636f6d7072657373c2"
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		atts int
	}{
		{`["ev",1,-2,3.25,"x\n\u0001é",true,false,null,{"k":[1,{"z":{}}]},[]]`, 0},
		{`["ev",{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]`, 2},
		{`[1e+300,-1e-7,1234567890123]`, 0},
	}
	for _, tc := range tests {
		var atts [][]byte
		for i := range tc.atts {
			atts = append(atts, []byte{byte(i), 0xff})
		}
		mp, err := AppendMsgpack(nil, json.RawMessage(tc.in), atts)
		if err != nil {
			t.Fatal(err)
		}
		out, gotAtts, err := AppendJSON(nil, mp)
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(t, tc.in, string(out)) || len(gotAtts) != len(atts) {
			t.Fatalf("round trip %s -> %s (%d atts)", tc.in, out, len(gotAtts))
		}
		for i := range atts {
			if string(gotAtts[i]) != string(atts[i]) {
				t.Fatalf("attachment %d: %x", i, gotAtts[i])
			}
		}
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func TestAppendJSONSpecial(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, hex, want string }{
		{"timestamp32", "d6ff00000001", `"1970-01-01T00:00:01.000Z"`},
		{"other ext", "d40501", `null`},
		{"float32", "ca3fc00000", `1.5`},
		{"int key", "810102", `{"1":2}`},
		{"invalid utf8", "a1ff", "\"\ufffd\""},
		{"nan", "cb7ff8000000000000", `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, _ := hex.DecodeString(tc.hex)
			got, _, err := AppendJSON(nil, in)
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestTranscodeErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`[1,`, `{"a"}`, `tru`, `"x`, `[1]x`, `01x`, strings.Repeat("[", maxDepth+2)} {
		if _, err := AppendMsgpack(nil, json.RawMessage(in), nil); err == nil {
			t.Errorf("AppendMsgpack(%q) accepted", in)
		}
	}
	for _, h := range []string{"c1", "92", "dc0100", "a5616263", "dd7fffffff", "81c0c0", "c4ff"} {
		in, _ := hex.DecodeString(h)
		if _, _, err := AppendJSON(nil, in); err == nil {
			t.Errorf("AppendJSON(%s) accepted", h)
		}
	}
}

func FuzzTranscode(f *testing.F) {
	f.Add([]byte(`["hello","world",1,{"a":true}]`), []byte{})
	f.Add([]byte(`[{"_placeholder":true,"num":0},1.5,-1,300,null]`), []byte{1, 2, 3})
	f.Add([]byte(`{"k":"\u00e9\n"}`), []byte{0x93, 0xa1, 0x61, 0xc4, 0x01, 0x01, 0xd6, 0xff, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, js, mp []byte) {
		// Any msgpack: never panics, and its JSON is valid and round-trips.
		if out, atts, err := AppendJSON(nil, mp); err == nil {
			if !json.Valid(out) {
				t.Fatalf("invalid JSON %q from %x", out, mp)
			}
			mp2, err := AppendMsgpack(nil, out, atts)
			if err != nil {
				t.Fatalf("re-encode %s: %v", out, err)
			}
			out2, _, err := AppendJSON(nil, mp2)
			if err != nil || string(out2) != string(out) {
				t.Fatalf("round trip %s -> %s (%v)", out, out2, err)
			}
		}
		// Any JSON: accepted exactly when valid (within the depth limit).
		mp3, err := AppendMsgpack(nil, js, [][]byte{mp})
		if (err == nil) != json.Valid(js) && !strings.Contains(errString(err), "deep") {
			t.Fatalf("AppendMsgpack(%q) err %v, valid %v", js, err, json.Valid(js))
		}
		if err == nil {
			if _, _, err := AppendJSON(nil, mp3); err != nil {
				t.Fatalf("decode own msgpack of %q: %v", js, err)
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
