//go:build !linux || roamfs_portable

package overlay

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// Handle is an open file (handle_journal.go says when it is journaled). The
// daemon serves its reads and writes: there is no descriptor to hand to the
// kernel.
type Handle struct {
	handleState
	f *os.File
}

// openMask: O_APPEND is never passed on. FUSE hosts send writes with their
// offsets resolved (the kernel puts an append at the end of the file, WinFsp
// asks the size first), and Go's WriteAt refuses a file opened for appending.
const openMask = ^os.O_APPEND

func (p *Profile) openFile(rel string, flags int) (*Handle, error) {
	f, err := p.dir.OpenFile(name(rel), flags&openMask, 0)
	if err != nil {
		return nil, err
	}
	h, _, err := p.newHandle(f, flags)
	return h, err
}

func (p *Profile) createFile(rel string, flags int, mode uint32, o *Owner) (*Handle, Stat, error) {
	f, err := p.dir.OpenFile(name(rel), flags&openMask, fileMode(mode))
	if err != nil {
		return nil, Stat{}, err
	}
	if err := p.chown(rel, o); err != nil {
		f.Close()
		return nil, Stat{}, err
	}
	return p.newHandle(f, flags)
}

// newHandle wraps f, opened with flags, and describes it; f is closed on failure.
func (p *Profile) newHandle(f *os.File, flags int) (*Handle, Stat, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Stat{}, err
	}
	st := statOf(fi)
	return &Handle{handleState: p.newHandleState(flags, &st), f: f}, st, nil
}

// Fd is -1: this backend has no descriptor for kernel passthrough.
func (h *Handle) Fd() int { return -1 }

// ReadAt reads at off; a short read is the end of the file, not an error.
func (h *Handle) ReadAt(buf []byte, off int64) (int, error) {
	n, err := h.f.ReadAt(buf, off)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// WriteAt writes at off. The path is already journaled as dirty since open.
func (h *Handle) WriteAt(data []byte, off int64) (int, error) {
	return h.f.WriteAt(data, off)
}

// Stat describes the open file.
func (h *Handle) Stat() (Stat, error) {
	fi, err := h.f.Stat()
	if err != nil {
		return Stat{}, err
	}
	return statOf(fi), nil
}

// lseek's SEEK_DATA and SEEK_HOLE, as Linux numbers them.
const (
	seekData = 3
	seekHole = 4
)

// Seek answers SEEK_DATA / SEEK_HOLE as a file system without holes does:
// all of the file is data, its end the only hole.
func (h *Handle) Seek(off int64, whence int) (int64, error) {
	if whence != seekData && whence != seekHole {
		return h.f.Seek(off, whence)
	}
	st, err := h.Stat()
	if err != nil {
		return 0, err
	}
	if off < 0 || off >= st.Size {
		return 0, syscall.ENXIO
	}
	if whence == seekData {
		return off, nil
	}
	return st.Size, nil
}

// allocate does fallocate's default mode (make the file at least off+size
// long) by extending it; the modes that keep the size or punch holes need the
// OS's fallocate, which this backend does not have.
func (h *Handle) allocate(off, size int64, mode uint32) error {
	if mode != 0 {
		return notSupported("fallocate mode", h.f.Name())
	}
	st, err := h.Stat()
	if err != nil {
		return err
	}
	if end := off + size; end > st.Size {
		return h.f.Truncate(end)
	}
	return nil
}

// Flush has nothing to do: no POSIX locks are taken on the cache's files here.
func (h *Handle) Flush() error { return nil }

func (h *Handle) sync(dataOnly bool) error { return h.f.Sync() }

func (h *Handle) close() error { return h.f.Close() }

// setattr applies a through the handle where Go can (chmod, chown, truncate);
// times need the file's path, so a file without one keeps its times (ENOTSUP).
func (h *Handle) setattr(rel string, a Attr) (Stat, error) {
	if a.Mode != nil {
		if err := h.f.Chmod(fileMode(*a.Mode)); err != nil {
			return Stat{}, err
		}
	}
	if uid, gid, ok := a.owner(); ok {
		if err := h.f.Chown(uid, gid); err != nil {
			return Stat{}, err
		}
	}
	if a.Size != nil {
		if err := h.f.Truncate(int64(*a.Size)); err != nil {
			return Stat{}, err
		}
	}
	if a.setsTimes() {
		if rel == "" {
			return Stat{}, notSupported("utimes of an unlinked file", h.f.Name())
		}
		if err := h.p.dir.Chtimes(name(rel), timeOrZero(a.Atime), timeOrZero(a.Mtime)); err != nil {
			return Stat{}, err
		}
	}
	return h.Stat()
}
