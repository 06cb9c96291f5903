package redisadapter_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/redisadapter"
)

// A server joining a cluster of sockbus and Node socket.io servers that
// share a Redis.
func ExampleNew() {
	srv, err := bus.NewServer(bus.Config{
		NewAdapter: redisadapter.New(redisadapter.Config{Addr: "127.0.0.1:6379"}),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	_ = srv.Of("/").Emit("hello", "every server's clients")
}

func ExampleAppendMsgpack() {
	// Socket.IO arguments with one binary attachment, as notepack writes them.
	b, err := redisadapter.AppendMsgpack(nil,
		json.RawMessage(`["file",{"_placeholder":true,"num":0},1.5]`), [][]byte{{1, 2, 3}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hex.EncodeToString(b))
	// Output: 93a466696c65c403010203cb3ff8000000000000
}

func ExampleAppendJSON() {
	msg, _ := hex.DecodeString("93a466696c65c403010203cb3ff8000000000000")
	js, atts, err := redisadapter.AppendJSON(nil, msg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(js), atts)
	// Output: ["file",{"_placeholder":true,"num":0},1.5] [[1 2 3]]
}
