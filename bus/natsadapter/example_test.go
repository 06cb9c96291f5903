package natsadapter_test

import (
	"log"
	"time"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/natsadapter"
)

// A sockbus server joining a cluster of sockbus servers over NATS.
func ExampleNew() {
	srv, err := bus.NewServer(bus.Config{
		NewAdapter: natsadapter.New(natsadapter.Config{
			URL:               "nats://127.0.0.1:4222",
			HeartbeatInterval: 2 * time.Second,
			HeartbeatTimeout:  5 * time.Second,
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	_ = srv.Of("/").Emit("hello", "every server's clients")
}
