package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestPacketTypeString(t *testing.T) {
	t.Parallel()
	want := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK", "PacketType(7)"}
	for i, w := range want {
		if got := PacketType(i).String(); got != w {
			t.Errorf("PacketType(%d).String() = %q, want %q", i, got, w)
		}
	}
}

func TestAppendPacket(t *testing.T) {
	t.Parallel()
	att := [][]byte{{1}, {2}}
	tests := []struct {
		name string
		p    Packet
		want string
	}{
		{"connect", Packet{Type: Connect, Namespace: "/"}, "0"},
		{"connect empty nsp", Packet{Type: Connect}, "0"},
		{"connect nsp auth", Packet{Type: Connect, Namespace: "/admin", Data: json.RawMessage(`{"t":1}`)}, `0/admin,{"t":1}`},
		{"disconnect nsp", Packet{Type: Disconnect, Namespace: "/chat"}, "1/chat,"},
		{"event", Packet{Type: Event, Data: json.RawMessage(`["a",1]`)}, `2["a",1]`},
		{"event id nsp", Packet{Type: Event, Namespace: "/x", ID: 42, HasID: true, Data: json.RawMessage(`["a"]`)}, `2/x,42["a"]`},
		{"event max id", Packet{Type: Event, ID: 18446744073709551615, HasID: true, Data: json.RawMessage(`["a"]`)}, `218446744073709551615["a"]`},
		{"ack", Packet{Type: Ack, ID: 0, HasID: true, Data: json.RawMessage(`[]`)}, `30[]`},
		{"connect error", Packet{Type: ConnectError, Namespace: "/r", Data: json.RawMessage(`{"message":"no"}`)}, `4/r,{"message":"no"}`},
		{"binary event", Packet{Type: BinaryEvent, Data: json.RawMessage(`["a",{"_placeholder":true,"num":0}]`), Attachments: att[:1]}, `51-["a",{"_placeholder":true,"num":0}]`},
		{"event upgraded", Packet{Type: Event, Namespace: "/n", ID: 3, HasID: true, Data: json.RawMessage(`[1]`), Attachments: att}, `52-/n,3[1]`},
		{"ack upgraded", Packet{Type: Ack, ID: 1, HasID: true, Data: json.RawMessage(`[1]`), Attachments: att}, `62-1[1]`},
		{"binary event downgraded", Packet{Type: BinaryEvent, Data: json.RawMessage(`["a"]`)}, `2["a"]`},
		{"binary ack downgraded", Packet{Type: BinaryAck, ID: 2, HasID: true, Data: json.RawMessage(`[]`)}, `32[]`},
		{"values not encoded", Packet{Type: Event, Values: []any{"a"}}, `2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(AppendPacket([]byte("4"), &tt.p)); got != "4"+tt.want {
				t.Errorf("AppendPacket = %q, want %q", got, "4"+tt.want)
			}
		})
	}
}

func TestParsePacket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Packet
	}{
		{"0", Packet{Type: Connect, Namespace: "/"}},
		{"0{}", Packet{Type: Connect, Namespace: "/", Data: json.RawMessage(`{}`)}},
		{"0/admin,", Packet{Type: Connect, Namespace: "/admin"}},
		{"0/random", Packet{Type: Connect, Namespace: "/random"}},
		{`0/admin,{"token":"x"}`, Packet{Type: Connect, Namespace: "/admin", Data: json.RawMessage(`{"token":"x"}`)}},
		{"1", Packet{Type: Disconnect, Namespace: "/"}},
		{"1/chat,", Packet{Type: Disconnect, Namespace: "/chat"}},
		{`2["a"]`, Packet{Type: Event, Namespace: "/", Data: json.RawMessage(`["a"]`)}},
		{`2[1,"x"]`, Packet{Type: Event, Namespace: "/", Data: json.RawMessage(`[1,"x"]`)}},
		{`2[-1.5]`, Packet{Type: Event, Namespace: "/", Data: json.RawMessage(`[-1.5]`)}},
		{`2/chat,12["a"]`, Packet{Type: Event, Namespace: "/chat", ID: 12, HasID: true, Data: json.RawMessage(`["a"]`)}},
		{`218446744073709551615["a"]`, Packet{Type: Event, Namespace: "/", ID: 18446744073709551615, HasID: true, Data: json.RawMessage(`["a"]`)}},
		{`2007["a"]`, Packet{Type: Event, Namespace: "/", ID: 7, HasID: true, Data: json.RawMessage(`["a"]`)}},
		{`2["connectx"]`, Packet{Type: Event, Namespace: "/", Data: json.RawMessage(`["connectx"]`)}},
		{`2["\u0063onnect_"]`, Packet{Type: Event, Namespace: "/", Data: json.RawMessage(`["\u0063onnect_"]`)}},
		{`30[]`, Packet{Type: Ack, Namespace: "/", HasID: true, Data: json.RawMessage(`[]`)}},
		{`4{"message":"x"}`, Packet{Type: ConnectError, Namespace: "/", Data: json.RawMessage(`{"message":"x"}`)}},
		{`4"legacy"`, Packet{Type: ConnectError, Namespace: "/", Data: json.RawMessage(`"legacy"`)}},
		{`51-["a",{"_placeholder":true,"num":0}]`, Packet{Type: BinaryEvent, Namespace: "/", Data: json.RawMessage(`["a",{"_placeholder":true,"num":0}]`), Attachments: make([][]byte, 1)}},
		{`610-/x,9[]`, Packet{Type: BinaryAck, Namespace: "/x", ID: 9, HasID: true, Data: json.RawMessage(`[]`), Attachments: make([][]byte, 10)}},
		{`601-[]`, Packet{Type: BinaryAck, Namespace: "/", Data: json.RawMessage(`[]`), Attachments: make([][]byte, 1)}},
	}
	for _, tt := range tests {
		if tt.want.Namespace == "" {
			continue
		}
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePacket([]byte(tt.in), Limits{})
			if err != nil {
				t.Fatalf("ParsePacket(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("ParsePacket(%q) = %+v, want %+v", tt.in, *got, tt.want)
			}
		})
	}
}

func TestParsePacketErrors(t *testing.T) {
	t.Parallel()
	syntax := errors.New("syntax") // stands for *SyntaxError
	long := strings.Repeat("9", 101)
	tests := []struct {
		in   string
		lim  Limits
		want error
	}{
		{"", Limits{}, syntax},
		{"7", Limits{}, syntax},
		{"a", Limits{}, syntax},
		{"4abc", Limits{}, syntax},
		{"2{}", Limits{}, syntax},
		{"2abc[\"a\"]", Limits{}, syntax},
		{"2", Limits{}, syntax},
		{"2/chat,", Limits{}, syntax},
		{"2[]", Limits{}, syntax},
		{"2[{}]", Limits{}, syntax},
		{"2[null]", Limits{}, syntax},
		{"2[true]", Limits{}, syntax},
		{`2["a"`, Limits{}, syntax},
		{`2["a"]x`, Limits{}, syntax},
		{`2 ["a"]`, Limits{}, syntax},
		{"3", Limits{}, syntax},
		{"3{}", Limits{}, syntax},
		{"0[]", Limits{}, syntax},
		{`0"x"`, Limits{}, syntax},
		{"1{}", Limits{}, syntax},
		{"1x", Limits{}, syntax},
		{"4", Limits{}, syntax},
		{"4[]", Limits{}, syntax},
		{"5", Limits{}, syntax},
		{"5-[\"a\"]", Limits{}, syntax},
		{"50-[\"a\"]", Limits{}, syntax},
		{"5a-[\"a\"]", Limits{}, syntax},
		{"51[\"a\"]", Limits{}, syntax},
		{"51", Limits{}, syntax},
		{"51-", Limits{}, syntax},
		{"61-{}", Limits{}, syntax},
		{`2["\ud800"`, Limits{}, syntax},
		{`2["connect"]`, Limits{}, ErrReservedEvent},
		{`2["disconnect",1]`, Limits{}, ErrReservedEvent},
		{`2/x,5["newListener"]`, Limits{}, ErrReservedEvent},
		{`51-["removeListener",{"_placeholder":true,"num":0}]`, Limits{}, ErrReservedEvent},
		{`2["connect\u005ferror"]`, Limits{}, ErrReservedEvent},
		{"2" + long + `["a"]`, Limits{}, ErrIDTooLong},
		{`218446744073709551616["a"]`, Limits{}, ErrIDTooLong},
		{"511-[\"a\"]", Limits{}, ErrTooManyAttachments},
		{"53-[\"a\"]", Limits{MaxAttachments: 2}, ErrTooManyAttachments},
		{"512345678901-[\"a\"]", Limits{MaxAttachments: 1 << 40}, ErrTooManyAttachments},
		{"599999999999", Limits{}, ErrTooManyAttachments},
		{"59999999999", Limits{}, syntax},
		{`2["abcdef"]`, Limits{MaxPacketSize: 5}, ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 30)], func(t *testing.T) {
			t.Parallel()
			p, err := ParsePacket([]byte(tt.in), tt.lim)
			if tt.want == syntax {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Errorf("ParsePacket(%q) = %+v, %v; want *SyntaxError", tt.in, p, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("ParsePacket(%q) = %+v, %v; want %v", tt.in, p, err, tt.want)
			}
		})
	}
}

func TestEventName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		name string
		rest []string
		ok   bool
	}{
		{`["a"]`, "a", []string{}, true},
		{`[ "a" , 1 , {"b":[2]} ]`, "a", []string{"1", `{"b":[2]}`}, true},
		{`["h\u00e9\n"]`, "hé\n", []string{}, true},
		{`["hé"]`, "hé", []string{}, true},
		{`[42,"x"]`, "42", []string{`"x"`}, true},
		{`[]`, "", nil, false},
		{`{}`, "", nil, false},
		{`[null]`, "", nil, false},
		{`["a"`, "", nil, false},
		{``, "", nil, false},
	}
	for _, tt := range tests {
		name, rest, err := EventName(json.RawMessage(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("EventName(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if !tt.ok {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("EventName(%q) error %v is not a *SyntaxError", tt.in, err)
			}
			continue
		}
		if name != tt.name || len(rest) != len(tt.rest) {
			t.Errorf("EventName(%q) = %q, %q; want %q, %q", tt.in, name, rest, tt.name, tt.rest)
			continue
		}
		for i := range rest {
			if string(rest[i]) != tt.rest[i] {
				t.Errorf("EventName(%q) rest[%d] = %s, want %s", tt.in, i, rest[i], tt.rest[i])
			}
		}
	}
}

func TestIsReserved(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if !IsReserved(n) {
			t.Errorf("IsReserved(%q) = false", n)
		}
	}
	for _, n := range []string{"", "message", "Connect", "error", "ping"} {
		if IsReserved(n) {
			t.Errorf("IsReserved(%q) = true", n)
		}
	}
}

func TestDecoder(t *testing.T) {
	t.Parallel()
	var d Decoder
	in := []byte(`2["a",1]`)
	p, err := d.Feed(in, false)
	if err != nil || p == nil || string(p.Data) != `["a",1]` {
		t.Fatalf("Feed text = %+v, %v", p, err)
	}
	in[2] = 'X'
	if string(p.Data) != `["a",1]` {
		t.Error("Feed did not copy the text data")
	}

	head := []byte(`62-/x,5[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
	if p, err = d.Feed(head, false); p != nil || err != nil || !d.Pending() {
		t.Fatalf("Feed binary header = %+v, %v, pending %v", p, err, d.Pending())
	}
	a1 := []byte{1, 2}
	if p, err = d.Feed(a1, true); p != nil || err != nil {
		t.Fatalf("first attachment = %+v, %v", p, err)
	}
	a1[0] = 9
	if p, err = d.Feed([]byte{3}, true); p == nil || err != nil {
		t.Fatalf("second attachment = %+v, %v", p, err)
	}
	if p.Type != BinaryAck || p.Namespace != "/x" || p.ID != 5 || !reflect.DeepEqual(p.Attachments, [][]byte{{1, 2}, {3}}) {
		t.Errorf("assembled %+v", p)
	}
	if d.Pending() {
		t.Error("still pending after the last attachment")
	}
	args, err := SplitArgs(p.Data, p.Attachments)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	if err := args.Decode(1, &b); err != nil || !bytes.Equal(b, []byte{3}) {
		t.Errorf("Decode attachment = %v, %v", b, err)
	}
}

func TestDecoderEmptyAttachmentIsNotNil(t *testing.T) {
	t.Parallel()
	for _, owned := range []bool{false, true} {
		d := Decoder{Owned: owned}
		if _, err := d.Feed([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false); err != nil {
			t.Fatal(err)
		}
		p, err := d.Feed(nil, true)
		if err != nil || p == nil {
			t.Fatalf("owned=%v: Feed = %v, %v", owned, p, err)
		}
		if p.Attachments[0] == nil {
			t.Errorf("owned=%v: empty attachment decoded as nil (re-encodes as null)", owned)
		}
		var b []byte
		if err := (Args{Raw: []json.RawMessage{json.RawMessage(`{"_placeholder":true,"num":0}`)}, Attachments: p.Attachments}).Decode(0, &b); err != nil || b == nil {
			t.Errorf("owned=%v: Decode = %v, %v; want empty non-nil bytes", owned, b, err)
		}
	}
}

func TestDecoderErrors(t *testing.T) {
	t.Parallel()
	type step struct {
		data   string
		binary bool
		want   error // nil: no error
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"binary first", []step{{"x", true, ErrUnexpectedBinary}, {`2["ok"]`, false, nil}}},
		{"text while pending", []step{{`51-["a",{"_placeholder":true,"num":0}]`, false, nil}, {`2["b"]`, false, ErrUnexpectedText}, {"x", true, ErrUnexpectedBinary}}},
		{"bad packet", []step{{`2{}`, false, errSyntax}, {`2["ok"]`, false, nil}}},
		{"attachment too large", []step{{`51-["a",{"_placeholder":true,"num":0}]`, false, nil}, {strings.Repeat("x", 41), true, ErrPayloadTooLarge}, {"x", true, ErrUnexpectedBinary}}},
		{"text too large", []step{{`2["` + strings.Repeat("x", 40) + `"]`, false, ErrPayloadTooLarge}}},
		{"too many", []step{{`53-["a"]`, false, ErrTooManyAttachments}}},
		{"placeholder past the attachments", []step{{`51-["a",{"_placeholder":true,"num":1}]`, false, nil}, {"x", true, errPlaceholder}, {`2["ok"]`, false, nil}}},
		{"placeholder negative", []step{{`51-["a",{"_placeholder":true,"num":-1}]`, false, nil}, {"x", true, errPlaceholder}}},
		{"placeholder nested in range", []step{{`52-["a",[{"_placeholder":true,"num":1}]]`, false, nil}, {"x", true, nil}, {"y", true, nil}}},
		{"reserved", []step{{`2["connect"]`, false, ErrReservedEvent}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Decoder{Limits: Limits{MaxPacketSize: 40, MaxAttachments: 2}}
			for i, s := range tt.steps {
				_, err := d.Feed([]byte(s.data), s.binary)
				switch {
				case s.want == nil && err != nil:
					t.Fatalf("step %d: %v", i, err)
				case s.want == errSyntax:
					var se *SyntaxError
					if !errors.As(err, &se) {
						t.Fatalf("step %d: %v, want *SyntaxError", i, err)
					}
				case s.want != nil && !errors.Is(err, s.want):
					t.Fatalf("step %d: %v, want %v", i, err, s.want)
				}
				if s.want != nil && d.Pending() {
					t.Fatalf("step %d: still pending after an error", i)
				}
			}
		})
	}
}

var errSyntax = errors.New("syntax")

func TestSyntaxErrorMessage(t *testing.T) {
	t.Parallel()
	err := &SyntaxError{Offset: 3, Msg: "bad"}
	if got := err.Error(); got != "codec: syntax error at offset 3: bad" {
		t.Errorf("Error() = %q", got)
	}
}
