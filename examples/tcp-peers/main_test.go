package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func Example() {
	if err := run(os.Stdout, "127.0.0.1:0"); err != nil {
		panic(err)
	}
	// Output:
	// server 1 listening on tcp
	// alice connected
	// bob connected
	// alice greeted, server answered: hello alice, from server 1
	// bob greeted, server answered: hello bob, from server 1
	// bob was asked by alice: how are you?
	// alice got bob's answer: fine, thanks
	// server 1 stopped
	// alice lost the server, reconnecting
	// bob lost the server, reconnecting
	// alice emitted note 1 while offline
	// alice emitted note 2 while offline
	// bob greeted while offline
	// server 2 listening on the same port
	// alice connected
	// bob connected
	// server 2 got alice's note: first note
	// server 2 got alice's note: second note
	// bob's offline greeting answered: hello bob, from server 2
}
