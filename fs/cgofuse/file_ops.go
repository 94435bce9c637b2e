//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"github.com/winfsp/cgofuse/fuse"
)

// Create and Open hand the overlay os.O_* flags (flags.go).
func (f *fileSystem) Create(path string, flags int, mode uint32) (int, uint64) {
	h, _, err := f.p.Create(rel(path), openFlags(flags), mode, owner())
	if err != nil {
		return errc(err), noFh
	}
	return 0, f.addFile(h, path)
}

func (f *fileSystem) Open(path string, flags int) (int, uint64) {
	h, err := f.p.Open(rel(path), openFlags(flags))
	if err != nil {
		return errc(err), noFh
	}
	return 0, f.addFile(h, path)
}

// Read fills buff unless the file ends first: FUSE takes a short read for
// the end of the file.
func (f *fileSystem) Read(path string, buff []byte, ofst int64, fh uint64) int {
	h := f.handle("", fh)
	if h == nil {
		return -fuse.EBADF
	}
	n := 0
	for n < len(buff) {
		m, err := h.ReadAt(buff[n:], ofst+int64(n))
		if err != nil {
			if n > 0 {
				break
			}
			return errc(err)
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n
}

// Write writes all of buff: FUSE takes a short write for an error.
func (f *fileSystem) Write(path string, buff []byte, ofst int64, fh uint64) int {
	h := f.handle("", fh)
	if h == nil {
		return -fuse.EBADF
	}
	n := 0
	for n < len(buff) {
		m, err := h.WriteAt(buff[n:], ofst+int64(n))
		if err != nil {
			if n > 0 {
				break
			}
			return errc(err)
		}
		n += m
	}
	return n
}

func (f *fileSystem) Flush(path string, fh uint64) int {
	h := f.handle("", fh)
	if h == nil {
		return -fuse.EBADF
	}
	return errc(h.Flush())
}

func (f *fileSystem) Fsync(path string, datasync bool, fh uint64) int {
	h := f.handle("", fh)
	if h == nil {
		return -fuse.EBADF
	}
	return errc(h.Fsync(f.handlePath(path), datasync))
}

// Release gets the file's current path from the host, or an empty one, or
// libfuse's hidden name for a file unlinked while open: then "" tells the
// overlay the file is gone.
func (f *fileSystem) Release(path string, fh uint64) int {
	rp := f.handlePath(path)
	f.mu.Lock()
	fl, ok := f.files[fh]
	delete(f.files, fh)
	f.mu.Unlock()
	if !ok {
		return -fuse.EBADF
	}
	return errc(fl.h.Release(rp))
}
