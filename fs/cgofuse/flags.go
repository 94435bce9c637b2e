//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"os"

	"github.com/winfsp/cgofuse/fuse"
)

// cgofuse's O_* are its host C library's: libfuse's on Linux, the same
// numbers as Go's os.O_*; MSVCRT's on Windows (WinFsp), where O_EXCL is Go's
// O_APPEND and O_CREAT is nothing Go knows. The overlay takes os.O_*.

// flagNames numbers the open flags one C library uses.
type flagNames struct {
	wronly, rdwr, accmode, append, creat, excl, trunc int
}

var cgofuseFlags = flagNames{
	wronly: fuse.O_WRONLY, rdwr: fuse.O_RDWR, accmode: fuse.O_ACCMODE,
	append: fuse.O_APPEND, creat: fuse.O_CREAT, excl: fuse.O_EXCL, trunc: fuse.O_TRUNC,
}

// openFlags is the overlay's form of the flags cgofuse hands Open and Create.
func openFlags(fl int) int { return translateFlags(fl, cgofuseFlags, keepHostFlags) }

// translateFlags maps the flags named in n to os.O_*. The others (O_SYNC,
// O_NOFOLLOW, ...) are kept when keepOthers says they already are os.O_*
// values, and dropped otherwise.
func translateFlags(fl int, n flagNames, keepOthers bool) int {
	var out int
	switch fl & n.accmode {
	case n.wronly:
		out = os.O_WRONLY
	case n.rdwr:
		out = os.O_RDWR
	default:
		out = os.O_RDONLY
	}
	for _, m := range []struct{ from, to int }{
		{n.append, os.O_APPEND}, {n.creat, os.O_CREATE}, {n.excl, os.O_EXCL}, {n.trunc, os.O_TRUNC},
	} {
		if fl&m.from != 0 {
			out |= m.to
		}
	}
	if keepOthers {
		out |= fl &^ (n.accmode | n.append | n.creat | n.excl | n.trunc)
	}
	return out
}
