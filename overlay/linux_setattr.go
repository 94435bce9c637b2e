//go:build linux && !roamfs_portable

package overlay

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// times is the utimensat request, UTIME_OMIT for the time left alone.
func (a Attr) times() ([]unix.Timespec, bool) {
	ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
	if a.Atime != nil {
		ts[0] = unix.NsecToTimespec(a.Atime.UnixNano())
	}
	if a.Mtime != nil {
		ts[1] = unix.NsecToTimespec(a.Mtime.UnixNano())
	}
	return ts, a.setsTimes()
}

// setattr applies a by path (setattr_journal.go journals it).
func (p *Profile) setattr(rel string, a Attr) (unix.Stat_t, error) {
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
		size := int64(*a.Size)
		if err := p.truncated(rel, size, func() error { return truncateAt(dirfd, name, size) }); err != nil {
			return st, err
		}
	}
	if ts, ok := a.times(); ok {
		if err := unix.UtimesNanoAt(dirfd, name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return st, err
		}
	}
	return st, unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
}

func truncateAt(dirfd int, name string, size int64) error {
	fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Ftruncate(fd, size)
}

// setattr applies a through the descriptor (fchmod, ftruncate, futimens).
func (h *Handle) setattr(rel string, a Attr) (unix.Stat_t, error) {
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
	return st, unix.Fstat(h.fd, &st)
}
