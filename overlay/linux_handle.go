//go:build linux && !roamfs_portable

package overlay

import (
	"golang.org/x/sys/unix"
)

// Handle is an open file (handle_journal.go says when it is journaled). Its
// descriptor is handed to the kernel for FUSE passthrough.
type Handle struct {
	handleState
	fd int
}

// openFile opens the existing file rel (the final name is never followed).
func (p *Profile) openFile(rel string, flags int) (*Handle, error) {
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return nil, err
	}
	defer done()
	fd, err := unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &Handle{handleState: p.newHandleState(flags, &st), fd: fd}, nil
}

// createFile creates rel (flags hold O_CREAT) and gives it to o.
func (p *Profile) createFile(rel string, flags int, mode uint32, o *Owner) (*Handle, unix.Stat_t, error) {
	var st unix.Stat_t
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return nil, st, err
	}
	defer done()
	fd, err := unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err != nil {
		return nil, st, err
	}
	err = p.chown(dirfd, name, o)
	if err == nil {
		err = unix.Fstat(fd, &st)
	}
	if err != nil {
		unix.Close(fd)
		return nil, st, err
	}
	return &Handle{handleState: p.newHandleState(flags, &st), fd: fd}, st, nil
}

// Fd is the cache file's descriptor, for kernel passthrough.
func (h *Handle) Fd() int { return h.fd }

// ReadAt reads without the daemon's own offset (FUSE gives the offset).
func (h *Handle) ReadAt(buf []byte, off int64) (int, error) {
	return unix.Pread(h.fd, buf, off)
}

// WriteAt writes at off. The path is already journaled as dirty since open.
func (h *Handle) WriteAt(data []byte, off int64) (int, error) {
	return unix.Pwrite(h.fd, data, off)
}

// Stat describes the open file.
func (h *Handle) Stat() (unix.Stat_t, error) {
	var st unix.Stat_t
	return st, unix.Fstat(h.fd, &st)
}

// Seek answers SEEK_DATA / SEEK_HOLE.
func (h *Handle) Seek(off int64, whence int) (int64, error) {
	return unix.Seek(h.fd, off, whence)
}

func (h *Handle) allocate(off, size int64, mode uint32) error {
	return unix.Fallocate(h.fd, mode, off, size)
}

// Flush runs at every close(2) of a descriptor sharing this handle. Closing a
// duplicate of the fd releases POSIX locks the way a real close would.
func (h *Handle) Flush() error {
	fd, err := unix.Dup(h.fd)
	if err != nil {
		return err
	}
	return unix.Close(fd)
}

func (h *Handle) sync(dataOnly bool) error {
	if dataOnly {
		return unix.Fdatasync(h.fd)
	}
	return unix.Fsync(h.fd)
}

func (h *Handle) close() error { return unix.Close(h.fd) }
