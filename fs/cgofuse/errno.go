//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/winfsp/cgofuse/fuse"
)

// portable maps the errors that carry no host errno (a Windows error code, a
// plain os error) to FUSE's.
var portable = []struct {
	err   error
	errno int
}{
	{fs.ErrNotExist, fuse.ENOENT},
	{fs.ErrExist, fuse.EEXIST},
	{fs.ErrPermission, fuse.EACCES},
	{errors.ErrUnsupported, fuse.ENOSYS},
}

// errc is the one place an overlay error becomes what cgofuse returns: 0, or a
// negative FUSE errno. An error with no errno is an internal failure: EIO,
// never a silent success.
func errc(err error) int {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		if n, ok := hostErrno(e); ok {
			return -n
		}
	}
	for _, m := range portable {
		if errors.Is(err, m.err) {
			return -m.errno
		}
	}
	return -fuse.EIO
}
