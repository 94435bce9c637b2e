//go:build windows

package cgofuse

import (
	"syscall"

	"github.com/winfsp/cgofuse/fuse"
)

// inventedErrnos: Go's syscall package on Windows gives the POSIX errnos
// values of its own (above APPLICATION_ERROR, far from any Win32 code). Go's
// os.Root returns some (ELOOP, ENOTDIR, EISDIR, EEXIST from NtCreateFile), the
// overlay returns others (ENOSPC and EIO for the journal, ENOTSUP, ENXIO).
var inventedErrnos = []struct {
	err   syscall.Errno
	errno int
}{
	{syscall.EPERM, fuse.EPERM},
	{syscall.ENOENT, fuse.ENOENT},
	{syscall.EIO, fuse.EIO},
	{syscall.ENXIO, fuse.ENXIO},
	{syscall.EBADF, fuse.EBADF},
	{syscall.EACCES, fuse.EACCES},
	{syscall.EBUSY, fuse.EBUSY},
	{syscall.EEXIST, fuse.EEXIST},
	{syscall.EXDEV, fuse.EXDEV},
	{syscall.ENOTDIR, fuse.ENOTDIR},
	{syscall.EISDIR, fuse.EISDIR},
	{syscall.EINVAL, fuse.EINVAL},
	{syscall.EMFILE, fuse.EMFILE},
	{syscall.ENOSPC, fuse.ENOSPC},
	{syscall.EROFS, fuse.EROFS},
	{syscall.ERANGE, fuse.ERANGE},
	{syscall.ENAMETOOLONG, fuse.ENAMETOOLONG},
	{syscall.ENOSYS, fuse.ENOSYS},
	{syscall.ENOTEMPTY, fuse.ENOTEMPTY},
	{syscall.ELOOP, fuse.ELOOP},
	{syscall.ENODATA, fuse.ENODATA},
	{syscall.ENOTSUP, fuse.ENOTSUP},
	{syscall.EOPNOTSUPP, fuse.EOPNOTSUPP},
	{syscall.EWINDOWS, fuse.ENOSYS}, // "not supported by windows" (File.Chown)
}

// hostErrno: on Windows a syscall.Errno is a Win32 error code or one of Go's
// invented POSIX values; both are mapped, anything else is left to errc.
func hostErrno(e syscall.Errno) (int, bool) {
	if n, ok := win32Errno(uint32(e)); ok {
		return n, true
	}
	for _, m := range inventedErrnos {
		if e == m.err {
			return m.errno, true
		}
	}
	return 0, false
}
