// Package bench holds Go benchmarks of sockbus through its public API:
// round trips over the network transports (echo_test.go) and the in-process
// hot paths (inprocess_test.go). Run them with
//
//	go test -run '^$' -bench . -benchtime 2s ./bench/
//
// The load generator and the cross-implementation comparison live in the
// subdirectories (see README.md).
package bench

import (
	"io"
	"log/slog"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
