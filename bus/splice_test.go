package bus

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sockbus/sockbus/codec"
	"github.com/sockbus/sockbus/transport"
)

// echoServer answers "message" with "message-back" and the same arguments,
// acknowledges "message-with-ack" with them, and re-sends "prefixed"
// between arguments of its own.
func echoServer(t *testing.T) *Server {
	s := newServer(t, Config{})
	s.Of("/").OnConnection(func(so *Socket) {
		so.On("message", func(e *Event) { _ = so.Emit("message-back", e.Args) })
		so.On("message-with-ack", func(e *Event) { _ = e.Ack(e.Args) })
		so.On("prefixed", func(e *Event) { _ = so.Emit("p", []byte{9}, e.Args, "end") })
		so.On("all", func(e *Event) { _ = so.Namespace().Emit("all-back", e.Args) })
	})
	return s
}

func TestEmitArgsVerbatim(t *testing.T) {
	t.Parallel()
	const obj = `{"z":1,"a":12345678901234567890,"m":{"y":1.50,"b":"\u00e9"}}`
	tests := []struct {
		name string
		in   []string // the text packet, then the attachments
		want []string
	}{
		{
			name: "text",
			in:   []string{`2["message",` + obj + `,-0,"x"]`},
			want: []string{`2["message-back",` + obj + `,-0,"x"]`},
		},
		{
			name: "binary",
			in:   []string{`52-["message",{"b":{"_placeholder":true,"num":1},"a":1},` + obj + `,{"num":0,"_placeholder":true}]`, "\x01", "\x02\x03"},
			want: []string{`52-["message-back",{"b":{"_placeholder":true,"num":1},"a":1},` + obj + `,{"num":0,"_placeholder":true}]`, "<bin:01>", "<bin:0203>"},
		},
		{
			name: "ack",
			in:   []string{`27["message-with-ack",` + obj + `]`},
			want: []string{`37[` + obj + `]`},
		},
		{
			name: "binary ack",
			in:   []string{`51-7["message-with-ack",` + obj + `,[{"_placeholder":true,"num":0}]]`, "\xff"},
			want: []string{`61-7[` + obj + `,[{"_placeholder":true,"num":0}]]`, "<bin:ff>"},
		},
		{
			name: "after binary of our own",
			in:   []string{`52-["prefixed",{"_placeholder":true,"num":1},` + obj + `,{"_placeholder":true,"num":0}]`, "\xaa", "\xbb"},
			want: []string{`53-["p",{"_placeholder":true,"num":0},{"_placeholder":true,"num":2},` + obj + `,{"_placeholder":true,"num":1},"end"]`, "<bin:09>", "<bin:aa>", "<bin:bb>"},
		},
		{
			name: "no arguments",
			in:   []string{`27["message-with-ack"]`},
			want: []string{`37[]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := dial(t, echoServer(t), false)
			p.connect(t, "/")
			p.send(t, tt.in[0])
			for _, b := range tt.in[1:] {
				p.sendBin(t, []byte(b))
			}
			for _, w := range tt.want {
				p.expect(t, w)
			}
		})
	}
}

func TestBroadcastArgsVerbatim(t *testing.T) {
	t.Parallel()
	s := echoServer(t)
	a, b := dial(t, s, false), dial(t, s, true) // b takes values: raw args reach it encoded
	a.connect(t, "/")
	b.connect(t, "/")
	a.send(t, `51-["all",{"z":1,"a":12345678901234567890},{"_placeholder":true,"num":0}]`)
	a.sendBin(t, []byte{5})
	for _, p := range []*peer{a, b} {
		p.expect(t, `51-["all-back",{"z":1,"a":12345678901234567890},{"_placeholder":true,"num":0}]`)
		p.expect(t, "<bin:05>")
	}
}

func TestValuePathSplice(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{})
	got := make(chan *Event, 4)
	out := make(chan *Event, 4)
	s.Of("/").OnConnection(func(so *Socket) {
		so.OnAnyOutgoing(func(e *Event) { out <- e })
		so.On("in", func(e *Event) { got <- e })
		_ = so.Emit("vals", codec.ArgsOf(1, []byte{2}), "x", codec.ArgsOf())
	})
	p := dial(t, s, true)
	p.connect(t, "/")
	want := []any{"vals", 1, []byte{2}, "x"}
	if pkt := recv(t, p.values).(*codec.Packet); !reflect.DeepEqual(pkt.Values, want) {
		t.Fatalf("value packet %#v, want %#v", pkt.Values, want)
	}
	if e := recv(t, out); !reflect.DeepEqual(e.Args.Values, want[1:]) {
		t.Fatalf("outgoing %#v", e.Args)
	}

	vc := p.conn.(transport.ValueConn)
	send := func(values ...any) {
		if err := vc.SendValue(&codec.Packet{Type: codec.Event, Namespace: "/", Values: values}); err != nil {
			t.Fatal(err)
		}
	}
	send("in", codec.ArgsOf(5, codec.ArgsOf("a")))
	if e := recv(t, got); !reflect.DeepEqual(e.Args.Values, []any{5, "a"}) {
		t.Fatalf("values in %#v", e.Args)
	}
	send("in", 1, Args{Raw: []json.RawMessage{json.RawMessage(`{"z":1,"a":2}`)}})
	e := recv(t, got)
	if e.Args.Values != nil || len(e.Args.Raw) != 2 || string(e.Args.Raw[1]) != `{"z":1,"a":2}` {
		t.Fatalf("raw in %#v", e.Args)
	}
	send("in", Args{Raw: []json.RawMessage{json.RawMessage(`{`)}})
	p.waitClosed(t)
}

func TestServerSideEmitArgs(t *testing.T) {
	t.Parallel()
	cluster := NewMemoryCluster()
	s1 := newServer(t, Config{NewAdapter: cluster.Adapter})
	s2 := newServer(t, Config{NewAdapter: cluster.Adapter})
	got := make(chan Args, 1)
	s2.Of("/").OnServerSideEmit("sse", func(e *Event) {
		got <- e.Args
		_ = e.Ack(e.Args, "ok")
	})
	raw := Args{Raw: []json.RawMessage{json.RawMessage(`{"z":1,"a":12345678901234567890}`)}}
	acks, err := s1.Of("/").ServerSideEmitWithAck(context.Background(), "sse", 1, raw)
	if err != nil || len(acks) != 1 {
		t.Fatalf("acks %v, %v", acks, err)
	}
	if a := recv(t, got); string(a.AppendJSON(nil)) != `[1,{"z":1,"a":12345678901234567890}]` {
		t.Fatalf("server-side args %s", a.AppendJSON(nil))
	}
	if got := string(acks[0].AppendJSON(nil)); got != `[1,{"z":1,"a":12345678901234567890},"ok"]` {
		t.Fatalf("ack %s", got)
	}
	if _, err := s1.Of("/").ServerSideEmitWithAck(context.Background(), "sse", Args{Raw: []json.RawMessage{json.RawMessage(`x`)}}); err == nil {
		t.Fatal("no error for invalid raw arguments")
	}
}
