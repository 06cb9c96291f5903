package transporttest_test

import (
	"testing"

	"github.com/sockbus/sockbus/transport"
	"github.com/sockbus/sockbus/transport/transporttest"
)

func TestPipe(t *testing.T) {
	transporttest.Run(t, func(t *testing.T, server, client transport.Handler) transport.Conn {
		_, cc, err := transport.Pipe(server, client, transport.PipeConfig{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close(nil) })
		return cc
	})
}
