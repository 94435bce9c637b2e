//go:build linux && !roamfs_portable

package overlay

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// Extended attributes are kept by the cache's file system (entry_journal.go
// journals the changes).

// withPathFd runs fn on a /proc/self/fd path naming rel itself (not a symlink's
// target), since Linux has no *xattrat calls that take a directory fd everywhere.
func (p *Profile) withPathFd(rel string, fn func(procPath string) error) error {
	var fd int
	var err error
	if rel == "" {
		fd, err = unix.Openat(p.rootFd, ".", unix.O_PATH|unix.O_CLOEXEC, 0)
	} else {
		dirfd, name, done, perr := p.parent(rel)
		if perr != nil {
			return perr
		}
		fd, err = unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		done()
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return fn("/proc/self/fd/" + strconv.Itoa(fd))
}

// Getxattr reads attribute attr into dest (size probe when dest is empty).
func (p *Profile) Getxattr(rel, attr string, dest []byte) (int, error) {
	// security.capability is answered from disk like any other: the kernel
	// asks for it before every write(2) to drop file capabilities, and a
	// made-up "none" would keep a capability set through the mount on its
	// writes. The go-fuse front end remembers "none" per inode instead.
	if err := p.inside(rel); err != nil {
		return 0, err
	}
	var n int
	err := p.withPathFd(rel, func(pp string) error {
		var err error
		n, err = unix.Getxattr(pp, attr, dest)
		return err
	})
	return n, err
}

// Listxattr lists attribute names into dest.
func (p *Profile) Listxattr(rel string, dest []byte) (int, error) {
	if err := p.inside(rel); err != nil {
		return 0, err
	}
	var n int
	err := p.withPathFd(rel, func(pp string) error {
		var err error
		n, err = unix.Listxattr(pp, dest)
		return err
	})
	return n, err
}

func (p *Profile) setxattr(rel, attr string, data []byte, flags int) error {
	return p.withPathFd(rel, func(pp string) error { return unix.Setxattr(pp, attr, data, flags) })
}

func (p *Profile) removexattr(rel, attr string) error {
	return p.withPathFd(rel, func(pp string) error { return unix.Removexattr(pp, attr) })
}
