package redisemitter

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"
)

type published struct{ channel, msg string }

// capture returns an Emitter recording what it publishes.
func capture() (Emitter, *[]published) {
	var got []published
	e := Emitter{prefix: "socket.io", nsp: "/", close: func() error { return nil },
		pub: func(_ context.Context, ch string, msg []byte) error {
			got = append(got, published{ch, string(msg)})
			return nil
		}}
	return e, &got
}

func TestEmitCaptured(t *testing.T) {
	e, got := capture()
	if err := e.Emit(context.Background(), "from-emitter", 42); err != nil {
		t.Fatal(err)
	}
	// Captured from Node's @socket.io/redis-emitter 5.1.0.
	want := "93a7656d697474657283a47479706502a46461746192ac66726f6d2d656d69747465722aa36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490"
	if h := hex.EncodeToString([]byte((*got)[0].msg)); h != want || (*got)[0].channel != "socket.io#/#" {
		t.Fatalf("got %s on %s\nwant %s", h, (*got)[0].channel, want)
	}
}

func TestRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		do          func(Emitter) error
		channel     string
		msgOrHexMsg string
	}{
		{"room", func(e Emitter) error { return e.To("room2").Emit(ctx, "x") },
			"socket.io#/#room2#", hexOf(t, "93a7656d697474657283a47479706502a46461746191a178a36e7370a12f83a5726f6f6d7391a5726f6f6d32a5666c61677380a665786365707490")},
		{"flags and namespace", func(e Emitter) error {
			return e.Of("admin").Volatile().Compress(false).Except("a", "a").Emit(ctx, "x", []byte{1, 2, 3})
		},
			"socket.io#/admin#", hexOf(t, "93a7656d697474657283a47479706502a46461746192a178c403010203a36e7370a62f61646d696e83a5726f6f6d7390a5666c61677382a8766f6c6174696c65c3a8636f6d7072657373c2a665786365707491a161")},
		{"join", func(e Emitter) error { return e.To("room2").SocketsJoin(ctx, "room9") },
			"socket.io-request#/#", `{"type":2,"opts":{"rooms":["room2"],"except":[]},"rooms":["room9"]}`},
		{"leave", func(e Emitter) error { return e.SocketsLeave(ctx, "r") },
			"socket.io-request#/#", `{"type":3,"opts":{"rooms":[],"except":[]},"rooms":["r"]}`},
		{"disconnect", func(e Emitter) error { return e.Except("x").DisconnectSockets(ctx, false) },
			"socket.io-request#/#", `{"type":4,"opts":{"rooms":[],"except":["x"]},"close":false}`},
		{"server-side emit", func(e Emitter) error { return e.ServerSideEmit(ctx, "ping", "p1", map[string]int{"k": 1}) },
			"socket.io-request#/#", `{"uid":"emitter","type":6,"data":["ping","p1",{"k":1}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, got := capture()
			if err := tc.do(e); err != nil {
				t.Fatal(err)
			}
			if len(*got) != 1 || (*got)[0].channel != tc.channel || (*got)[0].msg != tc.msgOrHexMsg {
				t.Fatalf("got %q\nwant %q on %s", *got, tc.msgOrHexMsg, tc.channel)
			}
		})
	}
}

func hexOf(t *testing.T, h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReserved(t *testing.T) {
	e, got := capture()
	if err := e.Emit(context.Background(), "disconnect"); !errors.Is(err, ErrReserved) {
		t.Fatalf("err %v", err)
	}
	if err := e.ServerSideEmit(context.Background(), "connect"); !errors.Is(err, ErrReserved) {
		t.Fatalf("err %v", err)
	}
	if len(*got) != 0 {
		t.Fatalf("published %q", *got)
	}
}
