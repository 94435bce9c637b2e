//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// openReadFlags: a FIFO swapped in for a regular file must not block Open.
const openReadFlags = syscall.O_NONBLOCK

// setTimes sets atime and mtime of name in dir without following a symlink, so a
// file swapped for a symlink cannot redirect it.
func setTimes(dir *os.Root, name string, mtime time.Time) error {
	ts, err := unix.TimeToTimespec(mtime)
	if err != nil {
		return err
	}
	return withFd(dir, func(fd int) error {
		err := unix.UtimesNanoAt(fd, name, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
		if err != nil {
			return &os.PathError{Op: "utimensat", Path: name, Err: err}
		}
		return nil
	})
}

// syncDir makes the entries of dir (a rename, a new or removed name) durable.
// Filesystems that cannot fsync a directory (some network and FUSE ones) say so with
// EINVAL or ENOTSUP; their renames are then as durable as they get.
func syncDir(dir *os.Root) error {
	f, err := dir.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	err = f.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) {
		return nil
	}
	return err
}

// withFd calls fn with a file descriptor of dir, for the *at calls os.Root lacks.
func withFd(dir *os.Root, fn func(fd int) error) error {
	f, err := dir.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
