//go:build linux && fuse3 && cgo

package cgofuse

import "syscall"

// hostErrno: on Linux, cgofuse's errnos are the kernel's.
func hostErrno(e syscall.Errno) (int, bool) { return int(e), true }
