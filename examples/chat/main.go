// Command chat is the sockbus demo: a small chat served to browsers that use
// the official socket.io-client.
//
//	npm ci && go run ./examples/chat            # http://localhost:3000
//	go run ./examples/chat -addr 127.0.0.1:8080
//
// Features: nicknames, rooms (join, switch, live room list), messages to the
// room, a typing indicator, images sent as binary, and join/leave notices.
// The page, script and style are embedded; the client library is served
// from node_modules/socket.io-client (installed by `npm ci`).
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sockbus/sockbus"
	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/transport/engine"
)

//go:embed static
var static embed.FS

// clientPath is where `npm ci` puts the official browser client, relative to
// the module root.
const clientPath = "node_modules/socket.io-client/dist/socket.io.min.js"

func main() {
	addr := flag.String("addr", ":3000", "address to listen on")
	client := flag.String("client", "", "path to socket.io.min.js (default: <module root>/"+clientPath+")")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, *client, log); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(addr, client string, log *slog.Logger) error {
	if client == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		client = filepath.Join(root, clientPath)
	}
	if _, err := os.Stat(client); err != nil {
		return fmt.Errorf("socket.io client not found at %s: run `npm ci` in the repository root first", client)
	}
	h, closeFn, err := newHandler(client, log)
	if err != nil {
		return err
	}
	defer closeFn()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The e2e test reads this line to find a random port (-addr 127.0.0.1:0).
	fmt.Printf("chat listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// moduleRoot finds the directory of the nearest go.mod above the working
// directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository or pass -client")
		}
		dir = parent
	}
}

// newHandler returns the chat's http.Handler: the page at /, the client at
// /socket.io.min.js and Socket.IO at /socket.io/. closeFn closes every
// session.
func newHandler(client string, log *slog.Logger) (http.Handler, func(), error) {
	io, err := bus.NewServer(bus.Config{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	newChat(io.Of("/"))
	sio, err := sockbus.NewHandler(io, engine.Config{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	page, err := fs.Sub(static, "static")
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", sio)
	mux.HandleFunc("/socket.io.min.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, client)
	})
	mux.Handle("/", http.FileServerFS(page))
	return mux, func() {
		_ = io.Close()
		_ = sio.Close()
	}, nil
}
