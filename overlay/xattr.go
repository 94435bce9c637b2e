//go:build linux

package overlay

import (
	"strconv"

	"golang.org/x/sys/unix"

	"roamfs/journal"
)

// Extended attributes are served from the cache. They do not travel to the
// server (an SMB share keeps its own streams); a change is still journaled as a
// setattr so the journal shows it.

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
	if attr == "security.capability" {
		// The kernel asks this before every write(2) to drop file
		// capabilities; profiles hold no capabilities, and answering from
		// disk would cost a lookup per write.
		return 0, unix.ENODATA
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
	var n int
	err := p.withPathFd(rel, func(pp string) error {
		var err error
		n, err = unix.Listxattr(pp, dest)
		return err
	})
	return n, err
}

// Setxattr sets attribute attr.
func (p *Profile) Setxattr(rel, attr string, data []byte, flags int) error {
	err := p.withPathFd(rel, func(pp string) error { return unix.Setxattr(pp, attr, data, flags) })
	if err != nil {
		return err
	}
	return p.record(journal.OpSetattr, rel, "", 0)
}

// Removexattr removes attribute attr.
func (p *Profile) Removexattr(rel, attr string) error {
	err := p.withPathFd(rel, func(pp string) error { return unix.Removexattr(pp, attr) })
	if err != nil {
		return err
	}
	return p.record(journal.OpSetattr, rel, "", 0)
}
