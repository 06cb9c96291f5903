package codec

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestEngineTypeString(t *testing.T) {
	t.Parallel()
	for typ, want := range map[EngineType]string{Open: "open", Close: "close", Ping: "ping", Pong: "pong", Message: "message", Upgrade: "upgrade", Noop: "noop", 9: "EngineType(9)"} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", typ, got, want)
		}
	}
}

func TestAppendParseEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    EnginePacket
		wire string
		bin  bool
	}{
		{"open", EnginePacket{Type: Open, Data: []byte(`{"sid":"x"}`)}, `0{"sid":"x"}`, false},
		{"close", EnginePacket{Type: Close}, "1", false},
		{"ping probe", EnginePacket{Type: Ping, Data: []byte("probe")}, "2probe", false},
		{"pong", EnginePacket{Type: Pong}, "3", false},
		{"text message", EnginePacket{Type: Message, Data: []byte("héllo")}, "4héllo", false},
		{"binary message", EnginePacket{Type: Message, Data: []byte{0, 1, 2}, Binary: true}, "\x00\x01\x02", true},
		{"empty binary", EnginePacket{Type: Message, Data: []byte{}, Binary: true}, "", true},
		{"upgrade", EnginePacket{Type: Upgrade}, "5", false},
		{"noop", EnginePacket{Type: Noop}, "6", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(AppendEngine([]byte("x"), tt.p)); got != "x"+tt.wire {
				t.Errorf("AppendEngine = %q, want %q", got, "x"+tt.wire)
			}
			got, err := ParseEngine([]byte(tt.wire), tt.bin)
			if err != nil || !engineEqual(got, tt.p) {
				t.Errorf("ParseEngine(%q) = %+v, %v; want %+v", tt.wire, got, err, tt.p)
			}
		})
	}
}

func TestParseEngineErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "7", "9x", "a", "b", "/"} {
		_, err := ParseEngine([]byte(in), false)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != 0 || !strings.Contains(err.Error(), "offset 0") {
			t.Errorf("ParseEngine(%q) = %v, want *SyntaxError at 0", in, err)
		}
	}
}

func TestPayload(t *testing.T) {
	t.Parallel()
	pkts := []EnginePacket{
		{Type: Message, Data: []byte("hello")},
		{Type: Message, Data: []byte{0xff, 0, 1}, Binary: true},
		{Type: Ping},
		{Type: Message, Data: []byte{}, Binary: true},
		{Type: Close},
	}
	var b []byte
	for i, p := range pkts {
		if i > 0 {
			b = append(b, PayloadSeparator)
		}
		before := len(b)
		b = AppendPayloadPacket(b, p)
		if n := PayloadPacketLen(p); n != len(b)-before {
			t.Errorf("PayloadPacketLen(%+v) = %d, wrote %d", p, n, len(b)-before)
		}
	}
	if want := "4hello\x1eb/wAB\x1e2\x1eb\x1e1"; string(b) != want {
		t.Fatalf("payload = %q, want %q", b, want)
	}
	got, err := decodeAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(pkts) {
		t.Fatalf("decoded %d packets, want %d", len(got), len(pkts))
	}
	for i := range got {
		if !engineEqual(got[i], pkts[i]) {
			t.Errorf("packet %d = %+v, want %+v", i, got[i], pkts[i])
		}
	}
}

func TestDecodePayloadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		offset int
		before int // packets delivered before the error
	}{
		{"", 0, 0},
		{"\x1e", 0, 0},
		{"4a\x1e", 3, 1},
		{"4a\x1e\x1e4b", 3, 1},
		{"9", 0, 0},
		{"4ok\x1ex", 4, 1},
		{"b!!!", 1, 0},
		{"4x\x1eb====", 4, 1},
		{"bQQ", 1, 0}, // missing padding
	}
	for _, tt := range tests {
		n := 0
		err := DecodePayload([]byte(tt.in), func(EnginePacket) error { n++; return nil })
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != tt.offset || n != tt.before {
			t.Errorf("DecodePayload(%q) = %v after %d packets; want SyntaxError at %d after %d", tt.in, err, n, tt.offset, tt.before)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := DecodePayload([]byte("4a\x1e4b\x1e4c"), func(EnginePacket) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("callback error: %v after %d packets", err, n)
	}
}

func TestFrames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		bin  bool
		head string
	}{
		{0, false, "00"},
		{125, false, "7d"},
		{126, false, "7e007e"},
		{65535, false, "7effff"},
		{65536, false, "7f0000000000010000"},
		{5, true, "85"},
		{300, true, "fe012c"},
		{1 << 20, true, "ff0000000000100000"},
	}
	for _, tt := range tests {
		got := AppendFrameHeader(nil, tt.n, tt.bin)
		if h := hexString(got); h != tt.head {
			t.Errorf("AppendFrameHeader(%d, %v) = %s, want %s", tt.n, tt.bin, h, tt.head)
		}
	}

	pkts := []EnginePacket{
		{Type: Open, Data: []byte(`{"sid":"a"}`)},
		{Type: Message, Data: bytes.Repeat([]byte("t"), 200)},
		{Type: Message, Data: bytes.Repeat([]byte{9}, 70000), Binary: true},
		{Type: Message, Data: []byte{}, Binary: true},
		{Type: Ping},
	}
	var stream []byte
	for _, p := range pkts {
		stream = AppendFrame(stream, p)
	}
	// A one-byte reader exercises partial reads of headers and bodies.
	fr := NewFrameReader(iotest.OneByteReader(bytes.NewReader(stream)), 0)
	for i, want := range pkts {
		got, err := fr.Next()
		if err != nil || !engineEqual(got, want) {
			t.Fatalf("frame %d: %v, %v", i, got.Type, err)
		}
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Fatalf("end: %v, want io.EOF", err)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	var s []byte
	for _, c := range b {
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s)
}

func TestFrameReaderErrors(t *testing.T) {
	t.Parallel()
	full := AppendFrame(nil, EnginePacket{Type: Message, Data: bytes.Repeat([]byte("x"), 300)})
	tests := []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"empty stream", nil, 0, io.EOF},
		{"cut in 16-bit length", []byte{126, 1}, 0, io.ErrUnexpectedEOF},
		{"cut in 64-bit length", []byte{127, 0, 0, 0}, 0, io.ErrUnexpectedEOF},
		{"cut in body", full[:100], 0, io.ErrUnexpectedEOF},
		{"header only", full[:3], 0, io.ErrUnexpectedEOF},
		{"over max", full, 100, ErrPayloadTooLarge},
		{"huge 64-bit length", []byte{127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, ErrPayloadTooLarge},
		{"over default", AppendFrameHeader(nil, DefaultMaxPayload+1, true), 0, ErrPayloadTooLarge},
		{"read error", nil, 0, iotest.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r io.Reader = bytes.NewReader(tt.in)
			if tt.want == iotest.ErrTimeout {
				r = iotest.ErrReader(iotest.ErrTimeout)
			}
			_, err := NewFrameReader(r, tt.max).Next()
			if !errors.Is(err, tt.want) {
				t.Errorf("Next() = %v, want %v", err, tt.want)
			}
		})
	}
	for _, body := range []string{"", "9", "x"} {
		in := append(AppendFrameHeader(nil, len(body), false), body...)
		_, err := NewFrameReader(bytes.NewReader(in), 0).Next()
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("text body %q: %v, want *SyntaxError", body, err)
		}
	}
}

func TestFrameReaderReusesBuffer(t *testing.T) {
	t.Parallel()
	var stream []byte
	stream = AppendFrame(stream, EnginePacket{Type: Message, Data: []byte("first")})
	stream = AppendFrame(stream, EnginePacket{Type: Message, Data: []byte("2nd")})
	fr := NewFrameReader(bytes.NewReader(stream), 0)
	a, _ := fr.Next()
	first := a.Data
	b, _ := fr.Next()
	if &first[0] != &b.Data[0] {
		t.Error("second frame did not reuse the buffer")
	}
}
