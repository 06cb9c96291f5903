// Command server is the sockbus side of the interop test suite: a Socket.IO
// server with every transport mode enabled (polling, WebSocket, upgrade)
// whose event handlers are the contract the Node tests in interop/ drive
// with the official socket.io-client. interop/refserver.mjs implements the
// same contract with Node's socket.io, so the suite can be checked against
// the reference.
//
// It listens on 127.0.0.1 on a free port and prints "LISTENING <port>".
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/polling"
	"github.com/sockbus/sockbus/transport/ws"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "interop server:", err)
		os.Exit(1)
	}
}

func run() error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	io, err := bus.NewServer(bus.Config{Logger: log})
	if err != nil {
		return err
	}
	setup(io)
	eng, err := engine.NewServer(engine.Config{
		Handler:      io,
		Transports:   []engine.Transport{polling.New(polling.Config{}), ws.New(ws.Config{})},
		Path:         "/socket.io/",
		PingInterval: 1000 * time.Millisecond,
		PingTimeout:  1500 * time.Millisecond,
		MaxPayload:   100_000,
		CORS:         &engine.CORSConfig{Origins: []string{"*"}},
		Logger:       log,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: eng, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("LISTENING %d\n", ln.Addr().(*net.TCPAddr).Port)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = io.Close()
	_ = eng.Close()
	return srv.Shutdown(shut)
}

// reasons maps a client's auth tag to the server-side disconnect reason of
// its socket, so that tests can ask what the server saw.
type reasons struct {
	mu sync.Mutex
	m  map[string]string
}

func (r *reasons) set(tag, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[tag] = reason
}

func (r *reasons) get(tag string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[tag]
	return v, ok
}

func setup(io *bus.Server) {
	rs := &reasons{m: make(map[string]string)}
	main := io.Of("/")
	main.OnConnection(func(s *bus.Socket) { mainSocket(main, s, rs) })

	io.Of("/admin").OnConnection(func(s *bus.Socket) {
		s.On("echo", func(e *bus.Event) { _ = s.Emit("echo", append([]any{"admin"}, values(e.Args)...)...) })
		_ = s.Emit("hello", "admin")
	})

	io.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)).OnConnection(func(s *bus.Socket) {
		_ = s.Emit("nsp", s.Namespace().Name())
	})

	auth := io.Of("/auth")
	auth.Use(func(s *bus.Socket) error {
		var a struct {
			Token string `json:"token"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &a)
		if a.Token == "secret" {
			return nil
		}
		return &bus.ConnectError{Message: "unauthorized", Data: map[string]any{"code": 4001, "reason": "bad token"}}
	})
	auth.OnConnection(func(s *bus.Socket) {
		var a struct {
			User *string `json:"user"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &a)
		_ = s.Emit("welcome", a.User)
	})
}

// broadcastSpec is the argument of "to", "socket-to", "broadcast" and "collect".
type broadcastSpec struct {
	Rooms    []string          `json:"rooms"`
	Except   []string          `json:"except"`
	Event    string            `json:"event"`
	Args     []json.RawMessage `json:"args"`
	Volatile bool              `json:"volatile"`
	Timeout  int               `json:"timeout"`
}

func (sp broadcastSpec) args() []any {
	out := make([]any, len(sp.Args))
	for i, a := range sp.Args {
		out[i] = a
	}
	return out
}

func mainSocket(ns *bus.Namespace, s *bus.Socket, rs *reasons) {
	var a struct {
		Tag string `json:"tag"`
	}
	_ = json.Unmarshal(s.Handshake().Auth, &a)
	s.On("disconnect", func(e *bus.Event) {
		if a.Tag != "" {
			rs.set(a.Tag, string(e.Reason))
		}
	})
	s.On("echo", func(e *bus.Event) { _ = s.Emit("echo", values(e.Args)...) })
	s.On("ack", func(e *bus.Event) { _ = e.Ack(values(e.Args)...) })
	s.On("ignore", func(*bus.Event) {})
	s.On("handshake", func(e *bus.Event) {
		var x any
		if q := s.Handshake().Query["x"]; len(q) > 0 {
			x = q[0]
		}
		_ = e.Ack(map[string]any{"auth": json.RawMessage(s.Handshake().Auth), "query": map[string]any{"x": x}})
	})
	s.On("reason", func(e *bus.Event) {
		tag, _ := bus.Arg[string](e, 0)
		if r, ok := rs.get(tag); ok {
			_ = e.Ack(r)
			return
		}
		_ = e.Ack(nil)
	})
	s.On("types", func(*bus.Event) {
		_ = s.Emit("types", "str", 42, -1.5, true, false, nil,
			map[string]any{"a": map[string]any{"b": []any{1, "x", nil}}},
			[]any{1, []any{2, []any{3}}}, "héllo 世界 🎉")
	})
	s.On("bin", func(*bus.Event) {
		_ = s.Emit("bin", []byte{1, 2, 3}, map[string]any{
			"nested": map[string]any{"data": []byte{4, 5}},
			"list":   []any{[]byte{6}, "x"},
		})
	})
	s.On("ask", func(e *bus.Event) {
		var sp struct {
			Timeout int               `json:"timeout"`
			Args    []json.RawMessage `json:"args"`
		}
		_ = e.Args.Decode(0, &sp)
		args := make([]any, len(sp.Args))
		for i, a := range sp.Args {
			args[i] = a
		}
		go func() { // EmitWithAck blocks: never from the connection's own handler
			ctx, cancel := context.WithTimeout(s.Context(), time.Duration(sp.Timeout)*time.Millisecond)
			defer cancel()
			res, err := s.EmitWithAck(ctx, "question", args...)
			if err != nil {
				_ = s.Emit("ask-result", map[string]any{"ok": false, "error": err.Error()})
				return
			}
			_ = s.Emit("ask-result", map[string]any{"ok": true, "value": first(res)})
		}()
	})
	s.On("join", func(e *bus.Event) {
		rooms, _ := bus.Arg[[]string](e, 0)
		s.Join(rooms...)
		_ = e.Ack(true)
	})
	s.On("leave", func(e *bus.Event) {
		room, _ := bus.Arg[string](e, 0)
		s.Leave(room)
		_ = e.Ack(true)
	})
	s.On("to", func(e *bus.Event) {
		sp, _ := bus.Arg[broadcastSpec](e, 0)
		b := ns.To(sp.Rooms...).Except(sp.Except...)
		if sp.Volatile {
			b = b.Volatile()
		}
		ackOrError(e, b.Emit(sp.Event, sp.args()...))
	})
	s.On("socket-to", func(e *bus.Event) {
		sp, _ := bus.Arg[broadcastSpec](e, 0)
		ackOrError(e, s.To(sp.Rooms...).Emit(sp.Event, sp.args()...))
	})
	s.On("broadcast", func(e *bus.Event) {
		sp, _ := bus.Arg[broadcastSpec](e, 0)
		ackOrError(e, s.Broadcast().Emit(sp.Event, sp.args()...))
	})
	s.On("collect", func(e *bus.Event) {
		sp, _ := bus.Arg[broadcastSpec](e, 0)
		go func() {
			ctx, cancel := context.WithTimeout(s.Context(), time.Duration(sp.Timeout)*time.Millisecond)
			defer cancel()
			res, err := ns.To(sp.Rooms...).EmitWithAck(ctx, sp.Event, sp.args()...)
			if err != nil {
				_ = e.Ack(map[string]any{"ok": false, "error": err.Error()})
				return
			}
			replies := make([]any, len(res))
			for i, r := range res {
				replies[i] = first(r)
			}
			_ = e.Ack(map[string]any{"ok": true, "replies": replies})
		}()
	})
	s.On("disconnect-me", func(e *bus.Event) {
		closeConn, _ := bus.Arg[bool](e, 0)
		_ = s.Disconnect(closeConn)
	})
	s.On("drop", func(*bus.Event) { _ = s.Conn().Close(nil) })
}

// ackOrError acknowledges e with true, or with the error text.
func ackOrError(e *bus.Event, err error) {
	if err != nil {
		_ = e.Ack(err.Error())
		return
	}
	_ = e.Ack(true)
}

// first returns the first argument of a, as a re-emittable value, or nil.
func first(a bus.Args) any {
	if v := values(a); len(v) > 0 {
		return v[0]
	}
	return nil
}

var placeholder = []byte(`"_placeholder"`)

// values returns a's arguments in a form Emit re-sends unchanged: raw JSON
// for arguments without binary (so numbers keep their exact text), decoded
// values (with []byte for attachments) for those with binary.
func values(a bus.Args) []any {
	if a.Values != nil {
		return a.Values
	}
	out := make([]any, len(a.Raw))
	for i, raw := range a.Raw {
		if len(a.Attachments) == 0 || !bytes.Contains(raw, placeholder) {
			out[i] = raw
			continue
		}
		var v any
		if err := a.Decode(i, &v); err != nil {
			out[i] = nil
			continue
		}
		out[i] = v
	}
	return out
}
