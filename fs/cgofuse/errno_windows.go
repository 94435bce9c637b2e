//go:build windows

package cgofuse

import "syscall"

// hostErrno: on Windows a syscall.Errno is a Win32 error code, not a POSIX
// errno; errc maps the ones it knows through errors.Is.
func hostErrno(e syscall.Errno) (int, bool) { return 0, false }
