package adaptertest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/sockbus/sockbus/bus"
	"github.com/sockbus/sockbus/bus/adaptertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMemoryCluster(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T, n int) []bus.AdapterFactory {
		c := bus.NewMemoryCluster()
		out := make([]bus.AdapterFactory, n)
		for i := range out {
			out[i] = c.Adapter
		}
		return out
	})
}
