//go:build linux

package ws

import (
	"syscall"
	"unsafe"
)

// rawWrites: the pool writes sockets with non-blocking writev.
const rawWrites = true

type iovec = syscall.Iovec

// maxIovecs is Linux's IOV_MAX.
const maxIovecs = 1024

func appendIovec(iov []iovec, p []byte) []iovec {
	v := iovec{Base: &p[0]}
	v.SetLen(len(p))
	return append(iov, v)
}

// writev writes iov to the non-blocking socket fd.
func writev(fd uintptr, iov []iovec) (int, error) {
	n, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
