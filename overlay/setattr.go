//go:build linux

package overlay

import (
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"roamfs/journal"
)

// Attr is a SETATTR request: nil fields are left alone.
type Attr struct {
	Mode         *uint32
	UID, GID     *uint32
	Size         *uint64
	Atime, Mtime *time.Time
}

// owner is the chown request, -1 for the id left alone.
func (a Attr) owner() (uid, gid int, ok bool) {
	uid, gid = -1, -1
	if a.UID != nil {
		uid = int(*a.UID)
	}
	if a.GID != nil {
		gid = int(*a.GID)
	}
	return uid, gid, a.UID != nil || a.GID != nil
}

// times is the utimensat request, UTIME_OMIT for the time left alone.
func (a Attr) times() ([]unix.Timespec, bool) {
	ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
	if a.Atime != nil {
		ts[0] = unix.NsecToTimespec(a.Atime.UnixNano())
	}
	if a.Mtime != nil {
		ts[1] = unix.NsecToTimespec(a.Mtime.UnixNano())
	}
	return ts, a.Atime != nil || a.Mtime != nil
}

// changesMetadata: what the journal records as a setattr (size is a truncate).
func (a Attr) changesMetadata() bool {
	return a.Mode != nil || a.UID != nil || a.GID != nil || a.Atime != nil || a.Mtime != nil
}

// Setattr changes rel's attributes by path (chmod, truncate, utimes). A size
// change is journaled as a truncate, mode, owner and times as one setattr
// record. Requests that name an open file go to Handle.Setattr.
func (p *Profile) Setattr(rel string, a Attr) (unix.Stat_t, error) {
	var st unix.Stat_t
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return st, err
	}
	defer done()
	if rel == "" {
		dirfd, name = p.rootFd, "."
	}
	if a.Mode != nil {
		if err := unix.Fchmodat(dirfd, name, *a.Mode&07777, 0); err != nil {
			return st, err
		}
	}
	if uid, gid, ok := a.owner(); ok {
		if err := unix.Fchownat(dirfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return st, err
		}
	}
	if a.Size != nil {
		if err := p.truncate(rel, dirfd, name, int64(*a.Size)); err != nil {
			return st, err
		}
	}
	if ts, ok := a.times(); ok {
		if err := unix.UtimesNanoAt(dirfd, name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return st, err
		}
	}
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, err
	}
	if a.changesMetadata() {
		if err := p.record(journal.OpSetattr, rel, "", st.Size); err != nil {
			return st, err
		}
	}
	return st, nil
}

func (p *Profile) truncate(rel string, dirfd int, name string, size int64) error {
	if p.pol.IsHive(rel) {
		p.hives.enterTruncate()
		defer p.hives.leave()
	}
	fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, size); err != nil {
		return err
	}
	return p.record(journal.OpTruncate, rel, "", size)
}

// Setattr changes the open file's attributes through its descriptor (fchmod,
// ftruncate, futimens): the kernel names the handle when a program calls
// them, and the file may have no name any more. rel is its current path, or
// "" when it was unlinked (then nothing is journaled: nothing roams).
func (h *Handle) Setattr(rel string, a Attr) (unix.Stat_t, error) {
	var st unix.Stat_t
	if a.Mode != nil {
		if err := unix.Fchmod(h.fd, *a.Mode&07777); err != nil {
			return st, err
		}
	}
	if uid, gid, ok := a.owner(); ok {
		if err := unix.Fchown(h.fd, uid, gid); err != nil {
			return st, err
		}
	}
	if a.Size != nil {
		if err := unix.Ftruncate(h.fd, int64(*a.Size)); err != nil {
			return st, err
		}
	}
	if ts, ok := a.times(); ok {
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(h.fd), ts, 0); err != nil {
			return st, err
		}
	}
	if err := unix.Fstat(h.fd, &st); err != nil {
		return st, err
	}
	if rel == "" {
		return st, nil
	}
	h.mu.Lock()
	h.lastSize, h.lastMtim = st.Size, st.Mtim
	h.mu.Unlock()
	if a.Size != nil {
		if err := h.p.record(journal.OpTruncate, rel, "", st.Size); err != nil {
			return st, err
		}
	}
	if a.changesMetadata() {
		return st, h.p.record(journal.OpSetattr, rel, "", st.Size)
	}
	return st, nil
}
