// Command sockbus-server is the sockbus peer of the load harness: a bus
// Server behind the root package's Handler (Engine.IO engine) with the
// WebSocket transport only (no per-message deflate) and the four harness
// handlers:
//
//	echo(data, ack) -> ack(data)
//	bcast(data)     -> emit "msg" with data to everyone
//	join(room, ack) -> join room, then ack()
//	room(room, data)-> emit "msg" with data to room
//
// Arguments are passed on as raw JSON, never decoded. With -cpuprofile it
// writes a CPU profile when it receives SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/transport/engine"
	"github.com/sockbus/sockbus/transport/ws"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file on SIGINT/SIGTERM")
	flag.Parse()
	if err := run(*addr, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "sockbus-server:", err)
		os.Exit(1)
	}
}

func run(addr, cpuprofile string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	io, err := bus.NewServer(bus.Config{Logger: log})
	if err != nil {
		return err
	}
	handlers(io.Of("/"))
	eng, err := sockbus.NewHandler(io, engine.Config{
		Transports: []engine.Transport{ws.New(ws.Config{})},
		Logger:     log,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	srv := &http.Server{Handler: eng, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "sockbus peer listening on %s\n", ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = io.Close()
	_ = eng.Close()
	_ = srv.Shutdown(shut)
	return nil
}

func arg(e *bus.Event, i int) any {
	if i < len(e.Args.Raw) {
		return e.Args.Raw[i]
	}
	if i < len(e.Args.Values) {
		return e.Args.Values[i]
	}
	return json.RawMessage("null")
}

func handlers(ns *bus.Namespace) {
	ns.OnConnection(func(s *bus.Socket) {
		s.On("echo", func(e *bus.Event) { _ = e.Ack(arg(e, 0)) })
		s.On("bcast", func(e *bus.Event) { _ = ns.Emit("msg", arg(e, 0)) })
		s.On("join", func(e *bus.Event) {
			if room, err := bus.Arg[string](e, 0); err == nil {
				s.Join(room)
			}
			_ = e.Ack()
		})
		s.On("room", func(e *bus.Event) {
			if room, err := bus.Arg[string](e, 0); err == nil {
				_ = ns.To(room).Emit("msg", arg(e, 1))
			}
		})
	})
}
