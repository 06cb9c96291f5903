//go:build !linux

package ws

import "syscall"

// rawWrites: elsewhere every connection writes from its own goroutine.
const rawWrites = false

type iovec struct{}

const maxIovecs = 1024

func appendIovec(iov []iovec, p []byte) []iovec { return iov }

func writev(fd uintptr, iov []iovec) (int, error) { return 0, syscall.EINVAL }
