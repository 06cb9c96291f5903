//go:build interop

package client_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sockbus/sockbus/client"
	"github.com/sockbus/sockbus/transport/engineclient"
)

// nodeServer starts interop/refserver.mjs (the official Node socket.io
// server) and returns its URL.
func nodeServer(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	cmd := exec.Command("node", filepath.Join(root, "interop", "refserver.mjs"))
	cmd.Dir = root
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("node: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LISTENING ") {
		t.Fatalf("refserver said %q: %v", line, err)
	}
	return "http://127.0.0.1:" + strings.TrimSpace(strings.TrimPrefix(line, "LISTENING "))
}

// TestInteropNode runs the client against the official Node socket.io server.
func TestInteropNode(t *testing.T) {
	url := nodeServer(t)
	for _, transports := range [][]string{{engineclient.WebSocket}, {engineclient.Polling}, {engineclient.Polling, engineclient.WebSocket}} {
		t.Run(strings.Join(transports, "+"), func(t *testing.T) {
			d := &engineclient.Dialer{URL: url, Transports: transports, Logger: quietLogger()}
			m := newManager(t, d.Dial, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			s := m.Socket("/", client.SocketConfig{Auth: map[string]string{"tag": "t"}})
			ev := record()
			for _, name := range []string{"connect", "disconnect", "bin", "ask-result"} {
				s.On(name, ev.h)
			}
			s.On("question", func(e *client.Event) {
				v, _ := client.Arg[string](e, 0)
				_ = e.Ack("re: "+v, []byte{9})
			})
			s.Connect()
			ev.want(t, "connect")

			args, err := s.EmitWithAck(ctx, "ack", 1, "two", map[string]any{"3": []bool{true}}, []byte{4})
			if err != nil {
				t.Fatal(err)
			}
			var raw []byte
			var bin []byte
			raw = args.AppendJSON(raw)
			if err := args.Decode(3, &bin); err != nil || bin[0] != 4 {
				t.Fatalf("ack %s %v %v", raw, bin, err)
			}
			if string(raw) != `[1,"two",{"3":[true]},{"_placeholder":true,"num":0}]` {
				t.Fatalf("ack json %s", raw)
			}

			_ = s.Emit("bin")
			e := ev.want(t, "bin")
			var nested struct {
				Nested struct{ Data []byte } `json:"nested"`
				List   []any                 `json:"list"`
			}
			if err := errors.Join(e.Args.Decode(0, &bin), e.Args.Decode(1, &nested)); err != nil ||
				string(bin) != "\x01\x02\x03" || string(nested.Nested.Data) != "\x04\x05" {
				t.Fatalf("bin %v %+v %v", bin, nested, err)
			}

			_ = s.Emit("ask", map[string]any{"timeout": 2000, "args": []any{"why"}})
			var res struct {
				OK    bool            `json:"ok"`
				Value json.RawMessage `json:"value"`
			}
			if err := ev.want(t, "ask-result").Args.Decode(0, &res); err != nil || !res.OK {
				t.Fatalf("ask %+v %v", res, err)
			}

			// Refusal with data, then acceptance.
			a := m.Socket("/auth", client.SocketConfig{Auth: map[string]string{"token": "nope"}})
			aev := record()
			a.On("connect_error", aev.h)
			a.Connect()
			var ce *client.ConnectError
			if e := aev.want(t, "connect_error"); !errors.As(e.Err, &ce) || ce.Message != "unauthorized" ||
				string(ce.Data) != `{"code":4001,"reason":"bad token"}` {
				t.Fatalf("connect_error %#v", e.Err)
			}

			// The server drops the transport: the client reconnects.
			_ = s.Emit("drop")
			if e := ev.want(t, "disconnect"); e.Reason != client.ReasonTransportClose {
				t.Fatalf("reason %q", e.Reason)
			}
			ev.want(t, "connect")

			// Server namespace disconnect: no reconnection.
			_ = s.Emit("disconnect-me", false)
			if e := ev.want(t, "disconnect"); e.Reason != client.ReasonServerDisconnect {
				t.Fatalf("reason %q", e.Reason)
			}
			none(t, ev.ch)
		})
	}
}
