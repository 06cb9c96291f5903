package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
)

func FuzzParseEngine(f *testing.F) {
	for _, s := range []string{"", "0", `0{"sid":"x"}`, "2probe", "4hello", "6", "7", "b", "\x00\xff"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, bin bool) {
		p, err := ParseEngine(b, bin)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			return
		}
		out := AppendEngine(nil, p)
		if !bytes.Equal(out, b) {
			t.Fatalf("round trip %q -> %q", b, out)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"", "4hello", "4a\x1e4b\x1e2", "bAAEC\x1e4x", "b!!", "\x1e", "9", "4\x1e", "bQQ=="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pkts, err := decodeAll(b)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(b) {
				t.Fatalf("error %v is not a *SyntaxError within the input", err)
			}
			return
		}
		var out []byte
		for i, p := range pkts {
			if i > 0 {
				out = append(out, PayloadSeparator)
			}
			n := len(out)
			out = AppendPayloadPacket(out, p)
			if len(out)-n != PayloadPacketLen(p) {
				t.Fatalf("PayloadPacketLen mismatch for %+v", p)
			}
		}
		again, err := decodeAll(out)
		if err != nil {
			t.Fatalf("re-decode %q: %v", out, err)
		}
		if len(again) != len(pkts) {
			t.Fatalf("re-decode count %d, want %d", len(again), len(pkts))
		}
		for i := range again {
			if !engineEqual(again[i], pkts[i]) {
				t.Fatalf("packet %d: %+v != %+v", i, again[i], pkts[i])
			}
		}
	})
}

func FuzzFrameReader(f *testing.F) {
	var good []byte
	good = AppendFrame(good, EnginePacket{Type: Message, Data: []byte("hi")})
	good = AppendFrame(good, EnginePacket{Type: Message, Data: bytes.Repeat([]byte{1}, 200), Binary: true})
	good = AppendFrame(good, EnginePacket{Type: Ping})
	for _, s := range [][]byte{good, good[:5], {}, {0}, {0x80}, {126, 0}, {127, 0, 0, 0, 0, 0, 0, 0, 1, 0x34}, {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		f.Add(s)
	}
	const max = 1 << 16
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := NewFrameReader(bytes.NewReader(b), max)
		var out []byte
		var pkts []EnginePacket
		for range 1000 {
			p, err := fr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var se *SyntaxError
				if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrPayloadTooLarge) && !errors.As(err, &se) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(p.Data) > max {
				t.Fatalf("body of %d bytes over the limit", len(p.Data))
			}
			p.Data = bytes.Clone(p.Data)
			pkts = append(pkts, p)
			out = AppendFrame(out, p)
		}
		fr = NewFrameReader(bytes.NewReader(out), max)
		for i, want := range pkts {
			got, err := fr.Next()
			if err != nil || !engineEqual(got, want) {
				t.Fatalf("re-read frame %d: %+v, %v; want %+v", i, got, err, want)
			}
		}
	})
}

var packetSeeds = []string{
	"0", "0{}", "0/admin,", "0/random", `0/admin,{"t":1}`, "1", "1/chat,", `2["a"]`, `2/chat,12["a",{"b":[1]}]`,
	`3[]`, `310[1]`, `4{"message":"x"}`, `4"x"`, `51-["a",{"_placeholder":true,"num":0}]`, `62-/x,3[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`,
	"4abc", "42{}", "42abc[1]", `2["connect"]`, "511-[1]", "5-[1]", "2" + string(bytes.Repeat([]byte("9"), 30)) + `["a"]`, "", "7",
}

func FuzzParsePacket(f *testing.F) {
	for _, s := range packetSeeds {
		f.Add([]byte(s))
	}
	lim := Limits{MaxAttachments: 5, MaxPacketSize: 4096}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b, lim)
		if err != nil {
			if p != nil {
				t.Fatal("packet returned with an error")
			}
			return
		}
		if len(b) > lim.MaxPacketSize || len(p.Attachments) > lim.MaxAttachments {
			t.Fatalf("limits not enforced: %d bytes, %d attachments", len(b), len(p.Attachments))
		}
		if p.Type == Event || p.Type == BinaryEvent {
			name, rest, err := EventName(p.Data)
			if err != nil || IsReserved(name) {
				t.Fatalf("accepted event %q: %v", name, err)
			}
			var buf [2]json.RawMessage
			name2, rest2, err := AppendEventArgs(buf[:1], p.Data)
			if err != nil || name2 != name || len(rest2) != len(rest)+1 || !reflect.DeepEqual(rest2[1:], rest) {
				t.Fatalf("AppendEventArgs = %q %q %v, EventName %q %q", name2, rest2, err, name, rest)
			}
		}
		for i := range p.Attachments {
			p.Attachments[i] = []byte{byte(i)}
		}
		out := AppendPacket(nil, p)
		q, err := ParsePacket(out, Limits{MaxAttachments: 5, MaxPacketSize: 1 << 20})
		if err != nil {
			t.Fatalf("re-parse %q (from %q): %v", out, b, err)
		}
		if q.Type != p.Type || q.Namespace != p.Namespace || q.HasID != p.HasID || q.ID != p.ID ||
			!bytes.Equal(q.Data, p.Data) || len(q.Attachments) != len(p.Attachments) {
			t.Fatalf("round trip %q -> %q: %+v != %+v", b, out, q, p)
		}
	})
}

func FuzzDecoder(f *testing.F) {
	// Input: messages separated by 0x00; a leading 'B' marks a binary one.
	f.Add([]byte("51-[\"a\",{\"_placeholder\":true,\"num\":0}]\x00Bxyz\x002[\"b\"]"))
	f.Add([]byte("Bxyz\x002[\"b\"]"))
	f.Add([]byte("52-[1]\x002[1]\x00Ba"))
	f.Add([]byte("62-/n,1[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]\x00Ba\x00Bbb"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := Decoder{Limits: Limits{MaxAttachments: 4, MaxPacketSize: 512}}
		owned := Decoder{Limits: d.Limits, Owned: true, Reuse: true}
		for _, msg := range bytes.Split(in, []byte{0}) {
			bin := len(msg) > 0 && msg[0] == 'B'
			if bin {
				msg = msg[1:]
			}
			p2, err2 := owned.Feed(bytes.Clone(msg), bin)
			p, err := d.Feed(msg, bin)
			if (err == nil) != (err2 == nil) || (p == nil) != (p2 == nil) {
				t.Fatalf("Owned and Reuse change the outcome: %v %v, %v %v", p, err, p2, err2)
			}
			if p != nil && !samePacket(p, p2) {
				t.Fatalf("Owned and Reuse decode %+v, want %+v", p2, p)
			}
			if err != nil {
				if d.Pending() {
					t.Fatal("pending after an error")
				}
				continue
			}
			for i := range msg {
				msg[i] ^= 0xff // the Decoder must have copied what it keeps
			}
			if p == nil {
				continue
			}
			if len(p.Attachments) > 4 {
				t.Fatal("attachment limit not enforced")
			}
			for _, a := range p.Attachments {
				if a == nil || len(a) > 512 {
					t.Fatalf("bad attachment %q", a)
				}
			}
			if p.Type == Event || p.Type == BinaryEvent || p.Type == Ack || p.Type == BinaryAck {
				args, err := SplitArgs(p.Data, p.Attachments)
				if err != nil {
					t.Fatalf("SplitArgs of accepted data %s: %v", p.Data, err)
				}
				_, _ = args.Any()
			}
			if q, err := ParsePacket(AppendPacket(nil, p), d.Limits); err != nil || !bytes.Equal(q.Data, p.Data) {
				t.Fatalf("round trip of %+v: %v", p, err)
			}
		}
	})
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`[]`, `["a",1,{"b":[true,null]}]`, `[{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]`,
		` [ "x" , {"_placeholder":true,"num":9} ] `, `[{"_placeholder":true,"num":-1}]`, `[{"_placeholder":true,"num":"0"}]`, `{}`, `[`, `"s"`} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, natts uint8) {
		atts := make([][]byte, natts%4)
		for i := range atts {
			atts[i] = []byte{byte(i)}
		}
		a, err := SplitArgs(data, atts)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			return
		}
		// AppendJSON of compact input is byte-exact; in general it is the
		// same JSON value.
		out := a.AppendJSON(nil)
		var v1, v2 any
		if json.Unmarshal(data, &v1) != nil || json.Unmarshal(out, &v2) != nil || !reflect.DeepEqual(v1, v2) {
			t.Fatalf("AppendJSON %s is not %s", out, data)
		}
		for i := range a.Len() {
			var x any
			_ = a.Decode(i, &x)
			var b []byte
			_ = a.Decode(i, &b)
			var s struct {
				A []byte `json:"a"`
				B []any  `json:"b"`
			}
			_ = a.Decode(i, &s)
			var m map[string]any
			_ = a.Decode(i, &m)
			var l []any
			_ = a.Decode(i, &l)
		}
		vals, err := a.Any()
		if err != nil {
			return
		}
		// Re-encoding decoded values gives the same attachments count as
		// their placeholders resolved.
		raw, newAtts, err := AppendArgs(nil, vals)
		if err != nil {
			t.Fatalf("AppendArgs of decoded %#v: %v", vals, err)
		}
		b, err := SplitArgs(raw, newAtts)
		if err != nil {
			t.Fatal(err)
		}
		again, err := b.Any()
		if err != nil || !reflect.DeepEqual(normalize(again), normalize(vals)) {
			t.Fatalf("re-decode %#v != %#v (%v)", again, vals, err)
		}
	})
}

// normalize maps empty byte slices to a single form for comparison.
func normalize(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x) + "\x00bytes"
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}

// decodeAll collects the packets of a payload.
func decodeAll(b []byte) ([]EnginePacket, error) {
	var pkts []EnginePacket
	err := DecodePayload(b, func(p EnginePacket) error {
		pkts = append(pkts, p)
		return nil
	})
	return pkts, err
}

func samePacket(p, q *Packet) bool {
	return p.Type == q.Type && p.Namespace == q.Namespace && p.ID == q.ID && p.HasID == q.HasID &&
		bytes.Equal(p.Data, q.Data) && reflect.DeepEqual(p.Attachments, q.Attachments)
}
