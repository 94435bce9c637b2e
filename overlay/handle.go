//go:build linux

package overlay

import (
	"sync"

	"golang.org/x/sys/unix"

	"roamfs/journal"
)

// Handle is an open file. Writes are coalesced per handle: the journal gets one
// record when the file is opened for writing (before the open is acknowledged, so
// a crash mid-write still leaves the path marked dirty) and one with the final
// size when the handle is fsynced or released and the file changed. Reads and
// writes may bypass the daemon entirely (FUSE passthrough on Fd), which is why
// the dirty record is taken at open and not at the first write.
type Handle struct {
	p        *Profile
	fd       int
	writable bool
	hive     bool // a writable handle on a hive file: counted by the hive gate

	mu       sync.Mutex
	lastSize int64 // size and mtime when last journaled, to recognise a handle that wrote nothing
	lastMtim unix.Timespec
}

func accessWrites(flags int) bool {
	return flags&unix.O_ACCMODE != unix.O_RDONLY
}

// Open opens the existing file rel. A handle opened for writing marks the path
// dirty in the journal at once.
func (p *Profile) Open(rel string, flags int) (*Handle, error) {
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return nil, err
	}
	defer done()
	flags &^= unix.O_CREAT | unix.O_EXCL
	if accessWrites(flags) {
		if err := p.noSpace(); err != nil {
			return nil, err
		}
	}
	hive := accessWrites(flags) && p.pol.IsHive(rel)
	if hive {
		p.hives.enter()
	}
	fd, err := unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == nil {
		var h *Handle
		if h, err = p.newHandle(fd, flags); err == nil {
			h.hive = hive
			return p.opened(h, rel, flags)
		}
	}
	if hive {
		p.hives.leave()
	}
	return nil, err
}

// opened journals a handle opened for writing before the open is acknowledged.
func (p *Profile) opened(h *Handle, rel string, flags int) (*Handle, error) {
	if h.writable {
		op := journal.OpWrite
		if flags&unix.O_TRUNC != 0 {
			op = journal.OpTruncate
		}
		if err := p.record(op, rel, "", h.lastSize); err != nil {
			h.Release("")
			return nil, err
		}
	}
	return h, nil
}

// Create creates and opens rel.
func (p *Profile) Create(rel string, flags int, mode uint32, o *Owner) (*Handle, unix.Stat_t, error) {
	var st unix.Stat_t
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return nil, st, err
	}
	defer done()
	if err := p.noSpace(); err != nil {
		return nil, st, err
	}
	hive := p.pol.IsHive(rel)
	if hive {
		p.hives.enter()
	}
	fd, err := unix.Openat(dirfd, name, flags|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err != nil {
		if hive {
			p.hives.leave()
		}
		return nil, st, err
	}
	h := &Handle{p: p, fd: fd, writable: accessWrites(flags), hive: hive}
	err = p.chown(dirfd, name, o)
	if err == nil {
		err = unix.Fstat(fd, &st)
	}
	if err == nil {
		h.lastSize, h.lastMtim = st.Size, st.Mtim
		err = p.record(journal.OpCreate, rel, "", st.Size)
	}
	if err != nil {
		h.Release("")
		return nil, st, err
	}
	return h, st, nil
}

func (p *Profile) newHandle(fd, flags int) (*Handle, error) {
	h := &Handle{p: p, fd: fd, writable: accessWrites(flags)}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	h.lastSize, h.lastMtim = st.Size, st.Mtim
	return h, nil
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

// Allocate reserves space (fallocate); it can change the size.
func (h *Handle) Allocate(rel string, off, size int64, mode uint32) error {
	if err := unix.Fallocate(h.fd, mode, off, size); err != nil {
		return err
	}
	return h.settle(rel, true)
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

// Fsync makes the data durable and journals the final size, so an fsync is a
// point at which the change is known with its size.
func (h *Handle) Fsync(rel string, dataOnly bool) error {
	var err error
	if dataOnly {
		err = unix.Fdatasync(h.fd)
	} else {
		err = unix.Fsync(h.fd)
	}
	if err != nil {
		return err
	}
	return h.settle(rel, true)
}

// Release closes the handle. rel is the file's path now (it may have been renamed
// while open) or "" when it was unlinked; the final size is journaled if the file
// changed through this handle or another one since the last record.
func (h *Handle) Release(rel string) error {
	var err error
	if rel != "" {
		// close(2) has returned already: this record acknowledges nothing,
		// the path has been journaled dirty since the open.
		err = h.settle(rel, false)
	}
	if cerr := unix.Close(h.fd); err == nil {
		err = cerr
	}
	if h.hive {
		h.p.hives.leave()
	}
	return err
}

// settle journals a write record with the final size if size or mtime moved
// since the last record of this handle; durably (before returning) when it
// answers an fsync.
func (h *Handle) settle(rel string, durable bool) error {
	if !h.writable || rel == "" {
		// "" is a file that lost its last name while open: nothing of it roams.
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(h.fd, &st); err != nil {
		return err
	}
	h.mu.Lock()
	changed := st.Size != h.lastSize || st.Mtim != h.lastMtim
	h.lastSize, h.lastMtim = st.Size, st.Mtim
	h.mu.Unlock()
	if !changed {
		return nil
	}
	if !durable {
		h.p.recordLazily(journal.OpWrite, rel, st.Size)
		return nil
	}
	return h.p.record(journal.OpWrite, rel, "", st.Size)
}
