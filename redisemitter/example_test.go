package redisemitter_test

import (
	"context"
	"log"

	"github.com/sockbus/sockbus/redisemitter"
)

// Publishing to the clients of a cluster (sockbus or Node servers using the
// Redis adapter) from a process that is not a server.
func ExampleNew() {
	e := redisemitter.New(redisemitter.Config{Addr: "127.0.0.1:6379"})
	defer e.Close()
	ctx := context.Background()
	if err := e.To("room1").Except("room2").Emit(ctx, "news", "hello", []byte{1, 2, 3}); err != nil {
		log.Print(err)
	}
	_ = e.Of("/admin").In("ops").SocketsJoin(ctx, "alerts")
}
