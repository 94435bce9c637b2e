//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"strings"
	"time"

	"github.com/winfsp/cgofuse/fuse"

	"roamfs/overlay"
)

func (f *fileSystem) Getattr(path string, stat *fuse.Stat_t, fh uint64) int {
	var st overlay.Stat
	var err error
	if h := f.handle(path, fh); h != nil {
		st, err = h.Stat()
	} else {
		st, err = f.p.Lstat(rel(path))
	}
	if err != nil {
		return errc(err)
	}
	fillStat(stat, &st)
	return 0
}

func (f *fileSystem) Mkdir(path string, mode uint32) int {
	_, err := f.p.Mkdir(rel(path), mode, owner())
	return errc(err)
}

func (f *fileSystem) Mknod(path string, mode uint32, dev uint64) int {
	_, err := f.p.Mknod(rel(path), mode, uint32(dev), owner())
	return errc(err)
}

func (f *fileSystem) Symlink(target, newpath string) int {
	_, err := f.p.Symlink(target, rel(newpath), owner())
	return errc(err)
}

func (f *fileSystem) Link(oldpath, newpath string) int {
	_, err := f.p.Link(rel(oldpath), rel(newpath))
	return errc(err)
}

func (f *fileSystem) Readlink(path string) (int, string) {
	b, err := f.p.Readlink(rel(path))
	if err != nil {
		return errc(err), ""
	}
	return 0, string(b)
}

func (f *fileSystem) Unlink(path string) int {
	if f.unhide(path) {
		return 0
	}
	return errc(f.p.Unlink(rel(path)))
}

func (f *fileSystem) Rmdir(path string) int { return errc(f.p.Rmdir(rel(path))) }

func (f *fileSystem) Rename(oldpath, newpath string) int { return f.Rename3(oldpath, newpath, 0) }

// Rename3 carries renameat2's flags (RENAME_NOREPLACE, RENAME_EXCHANGE).
func (f *fileSystem) Rename3(oldpath, newpath string, flags uint32) int {
	if f.hides(oldpath, newpath, flags) {
		return f.hide(oldpath, newpath)
	}
	if err := f.p.Rename(rel(oldpath), rel(newpath), flags); err != nil {
		return errc(err)
	}
	f.moved(oldpath, newpath)
	return 0
}

func (f *fileSystem) Statfs(path string, stat *fuse.Statfs_t) int {
	s, err := f.p.Statfs()
	if err != nil {
		return errc(err)
	}
	fillStatfs(stat, &s)
	return 0
}

// setattr sends a SETATTR through the open file when there is one (ftruncate,
// and requests on a file that lost its name), by path otherwise.
func (f *fileSystem) setattr(path string, fh uint64, a overlay.Attr) int {
	var err error
	if h := f.handle(path, fh); h != nil {
		_, err = h.Setattr(f.handlePath(path), a)
	} else {
		_, err = f.p.Setattr(rel(path), a)
	}
	return errc(err)
}

func (f *fileSystem) Chmod(path string, mode uint32) int { return f.Chmod3(path, mode, noFh) }

func (f *fileSystem) Chmod3(path string, mode uint32, fh uint64) int {
	return f.setattr(path, fh, overlay.Attr{Mode: &mode})
}

func (f *fileSystem) Chown(path string, uid, gid uint32) int { return f.Chown3(path, uid, gid, noFh) }

// Chown3: an id of -1 leaves it unchanged, as in chown(2).
func (f *fileSystem) Chown3(path string, uid, gid uint32, fh uint64) int {
	var a overlay.Attr
	if uid != ^uint32(0) {
		a.UID = &uid
	}
	if gid != ^uint32(0) {
		a.GID = &gid
	}
	return f.setattr(path, fh, a)
}

func (f *fileSystem) Utimens(path string, tmsp []fuse.Timespec) int {
	return f.Utimens3(path, tmsp, noFh)
}

// Utimens3 gets UTIME_OMIT and UTIME_NOW through unchanged from libfuse when
// only one of the two times is set.
func (f *fileSystem) Utimens3(path string, tmsp []fuse.Timespec, fh uint64) int {
	var a overlay.Attr
	if len(tmsp) == 2 {
		a.Atime, a.Mtime = utime(tmsp[0]), utime(tmsp[1])
	}
	return f.setattr(path, fh, a)
}

func utime(ts fuse.Timespec) *time.Time {
	var t time.Time
	switch ts.Nsec {
	case fuse.UTIME_OMIT:
		return nil
	case fuse.UTIME_NOW:
		t = time.Now()
	default:
		t = ts.Time()
	}
	return &t
}

func (f *fileSystem) Truncate(path string, size int64, fh uint64) int {
	if size < 0 {
		return -fuse.EINVAL
	}
	sz := uint64(size)
	return f.setattr(path, fh, overlay.Attr{Size: &sz})
}

func (f *fileSystem) Setxattr(path, name string, value []byte, flags int) int {
	return errc(f.p.Setxattr(rel(path), name, value, flags))
}

func (f *fileSystem) Removexattr(path, name string) int {
	return errc(f.p.Removexattr(rel(path), name))
}

// Getxattr asks the size first: cgofuse wants the whole value.
func (f *fileSystem) Getxattr(path, name string) (int, []byte) {
	var buf []byte
	n, err := sized(func(b []byte) (int, error) { return f.p.Getxattr(rel(path), name, b) }, &buf)
	if err != nil {
		return errc(err), nil
	}
	return 0, buf[:n]
}

func (f *fileSystem) Listxattr(path string, fill func(name string) bool) int {
	var buf []byte
	n, err := sized(func(b []byte) (int, error) { return f.p.Listxattr(rel(path), b) }, &buf)
	if err != nil {
		return errc(err)
	}
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name != "" && !fill(name) {
			return -fuse.ERANGE
		}
	}
	return 0
}

// sized calls get with an empty buffer for the size, then with a buffer of
// that size, again if the value grew in between (ERANGE).
func sized(get func([]byte) (int, error), buf *[]byte) (n int, err error) {
	for try := 0; try < 8; try++ {
		if n, err = get(nil); err != nil || n == 0 {
			return 0, err
		}
		*buf = make([]byte, n)
		if n, err = get(*buf); errc(err) != -fuse.ERANGE {
			return n, err
		}
	}
	return 0, err
}
