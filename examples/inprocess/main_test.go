package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func Example() {
	if err := run(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// alice connected
	// bob connected
	// carol connected
	// alice: joined lobby
	// bob: joined lobby
	// carol: joined kitchen
	// bob got chat from alice: hi lobby
	// alice got news: maintenance at noon
	// bob got news: maintenance at noon
	// carol got news: maintenance at noon
	// carol got news: the kitchen is closed
	// bob was asked: are you there
	// server got bob's answer: yes, bob is here
}
