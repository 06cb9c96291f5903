package codec

import (
	"bytes"
	"encoding/json"
	"testing"
)

func BenchmarkAppendPacketEvent(b *testing.B) {
	b.ReportAllocs()
	p := &Packet{Type: Event, Namespace: "/chat", ID: 12, HasID: true, Data: json.RawMessage(`["message",{"user":"ann","text":"hello there"}]`)}
	dst := make([]byte, 0, 256)
	for b.Loop() {
		dst = AppendPacket(dst[:0], p)
	}
}

func BenchmarkAppendEngine(b *testing.B) {
	b.ReportAllocs()
	p := EnginePacket{Type: Message, Data: []byte(`2["message",{"text":"hello"}]`)}
	dst := make([]byte, 0, 256)
	for b.Loop() {
		dst = AppendEngine(dst[:0], p)
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	b.ReportAllocs()
	p := EnginePacket{Type: Message, Data: bytes.Repeat([]byte("x"), 300)}
	dst := make([]byte, 0, 512)
	for b.Loop() {
		dst = AppendFrame(dst[:0], p)
	}
}

func BenchmarkAppendArgsSmall(b *testing.B) {
	b.ReportAllocs()
	args := []any{"message", 42, map[string]any{"user": "ann", "n": 1}}
	dst := make([]byte, 0, 256)
	for b.Loop() {
		dst, _, _ = AppendArgs(dst[:0], args)
	}
}

func BenchmarkAppendArgsBinary(b *testing.B) {
	b.ReportAllocs()
	type upload struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}
	args := []any{"upload", upload{Name: "f", Data: make([]byte, 1024)}, []byte{1, 2, 3}}
	dst := make([]byte, 0, 256)
	for b.Loop() {
		dst, _, _ = AppendArgs(dst[:0], args)
	}
}

// BenchmarkAppendArgsSplice re-sends received arguments (text only, and
// with placeholders to renumber after a binary argument of our own).
func BenchmarkAppendArgsSplice(b *testing.B) {
	text, _ := SplitArgs([]byte(`[{"user":"ann","text":"hello there","n":12345678901234567890},[1,2,3]]`), nil)
	bin, _ := SplitArgs([]byte(`[{"name":"f","data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]`), [][]byte{{1}, {2}})
	for _, bc := range []struct {
		name string
		args []any
	}{
		{"text", []any{"message-back", text}},
		{"binary-renumbered", []any{"message-back", []byte{0}, bin}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]byte, 0, 256)
			for b.Loop() {
				dst, _, _ = AppendArgs(dst[:0], bc.args)
			}
		})
	}
}

func BenchmarkParsePacket(b *testing.B) {
	b.ReportAllocs()
	in := []byte(`2/chat,12["message",{"user":"ann","text":"hello there"}]`)
	for b.Loop() {
		if _, err := ParsePacket(in, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecoderFeed(b *testing.B) {
	b.ReportAllocs()
	head := []byte(`51-["upload",{"name":"f","data":{"_placeholder":true,"num":0}}]`)
	att := make([]byte, 1024)
	var d Decoder
	for b.Loop() {
		if _, err := d.Feed(head, false); err != nil {
			b.Fatal(err)
		}
		if p, err := d.Feed(att, true); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkArgsDecodeStruct(b *testing.B) {
	b.ReportAllocs()
	var v struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
		N    int    `json:"n"`
	}
	a, err := SplitArgs(json.RawMessage(`[{"name":"f","data":{"_placeholder":true,"num":0},"n":3}]`), [][]byte{make([]byte, 64)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := a.Decode(0, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkArgsDecodeStructText(b *testing.B) {
	b.ReportAllocs()
	var v struct {
		User string `json:"user"`
		Text string `json:"text"`
	}
	a, _ := SplitArgs(json.RawMessage(`[{"user":"ann","text":"hello there"}]`), nil)
	for b.Loop() {
		if err := a.Decode(0, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	b.ReportAllocs()
	var in []byte
	in = AppendPayloadPacket(in, EnginePacket{Type: Message, Data: []byte(`2["message","hello"]`)})
	in = append(in, PayloadSeparator)
	in = AppendPayloadPacket(in, EnginePacket{Type: Message, Data: make([]byte, 64), Binary: true})
	in = append(in, PayloadSeparator)
	in = AppendPayloadPacket(in, EnginePacket{Type: Pong})
	fn := func(EnginePacket) error { return nil }
	for b.Loop() {
		if err := DecodePayload(in, fn); err != nil {
			b.Fatal(err)
		}
	}
}
