// Command zishang is the github.com/zishang520/socket.io (v3) peer server for
// the sockbus load harness: websocket transport only, no per-message deflate,
// and the four harness handlers (echo, bcast, join, room).
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()

	opts := socket.DefaultServerOptions()
	opts.SetTransports(types.NewSet[engine.TransportCtor](engine.WebSocket))
	opts.SetPerMessageDeflate(nil)
	opts.SetServeClient(false)

	io := socket.NewServer(nil, opts)
	io.On("connection", func(clients ...any) {
		s := clients[0].(*socket.Socket)
		s.On("echo", func(args ...any) {
			if ack, ok := last(args).(socket.Ack); ok && len(args) >= 2 {
				ack([]any{args[0]}, nil)
			}
		})
		s.On("bcast", func(args ...any) {
			if len(args) >= 1 {
				io.Emit("msg", args[0])
			}
		})
		s.On("join", func(args ...any) {
			if room, ok := first(args).(string); ok {
				s.Join(socket.Room(room))
			}
			if ack, ok := last(args).(socket.Ack); ok {
				ack([]any{}, nil)
			}
		})
		s.On("room", func(args ...any) {
			if len(args) >= 2 {
				if room, ok := args[0].(string); ok {
					io.To(socket.Room(room)).Emit("msg", args[1])
				}
			}
		})
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io.ServeHandler(opts))
	srv := &http.Server{Addr: *addr, Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}()
	fmt.Fprintf(os.Stderr, "zishang socket.io v3 peer listening on %s\n", *addr)
	log.Fatal(srv.ListenAndServe())
}

func first(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func last(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[len(args)-1]
}
