//go:build linux && !roamfs_portable

package overlay

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Lstat describes rel without following a final symlink.
func (p *Profile) Lstat(rel string) (unix.Stat_t, error) {
	var st unix.Stat_t
	if rel == "" {
		return st, unix.Fstat(p.rootFd, &st)
	}
	if err := p.inside(rel); err != nil {
		return st, err
	}
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return st, err
	}
	defer done()
	return st, unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
}

// chown gives a new entry to its creator: the daemon runs as root, and a file
// created through the mount must belong to whoever created it.
func (p *Profile) chown(dirfd int, name string, o *Owner) error {
	if o == nil || !p.asRoot {
		return nil
	}
	return unix.Fchownat(dirfd, name, int(o.UID), int(o.GID), unix.AT_SYMLINK_NOFOLLOW)
}

// newEntry makes rel's entry with mk in its parent directory, gives it to o
// and describes it.
func (p *Profile) newEntry(rel string, o *Owner, mk func(dirfd int, name string) error) (unix.Stat_t, error) {
	var st unix.Stat_t
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return st, err
	}
	defer done()
	if err := mk(dirfd, name); err != nil {
		return st, err
	}
	if err := p.chown(dirfd, name, o); err != nil {
		return st, err
	}
	return st, unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
}

func (p *Profile) mkdir(rel string, mode uint32, o *Owner) (unix.Stat_t, error) {
	return p.newEntry(rel, o, func(dirfd int, name string) error {
		return unix.Mkdirat(dirfd, name, mode)
	})
}

func (p *Profile) symlink(target, rel string, o *Owner) (unix.Stat_t, error) {
	return p.newEntry(rel, o, func(dirfd int, name string) error {
		return unix.Symlinkat(target, dirfd, name)
	})
}

func (p *Profile) mknod(rel string, mode, dev uint32, o *Owner) (unix.Stat_t, error) {
	return p.newEntry(rel, o, func(dirfd int, name string) error {
		return unix.Mknodat(dirfd, name, mode, int(dev))
	})
}

func (p *Profile) remove(rel string, dir bool) error {
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return err
	}
	defer done()
	flags := 0
	if dir {
		flags = unix.AT_REMOVEDIR
	}
	return unix.Unlinkat(dirfd, name, flags)
}

// rename calls before with the size of what oldRel names, then renames.
func (p *Profile) rename(oldRel, newRel string, flags uint32, before func(size int64) error) error {
	odir, oname, odone, err := p.parent(oldRel)
	if err != nil {
		return err
	}
	defer odone()
	ndir, nname, ndone, err := p.parent(newRel)
	if err != nil {
		return err
	}
	defer ndone()
	var st unix.Stat_t
	if err := unix.Fstatat(odir, oname, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if err := before(st.Size); err != nil {
		return err
	}
	return unix.Renameat2(odir, oname, ndir, nname, uint(flags))
}

func (p *Profile) link(existingRel, newRel string) (unix.Stat_t, error) {
	var st unix.Stat_t
	odir, oname, odone, err := p.parent(existingRel)
	if err != nil {
		return st, err
	}
	defer odone()
	ndir, nname, ndone, err := p.parent(newRel)
	if err != nil {
		return st, err
	}
	defer ndone()
	if err := unix.Linkat(odir, oname, ndir, nname, 0); err != nil {
		return st, err
	}
	return st, unix.Fstatat(ndir, nname, &st, unix.AT_SYMLINK_NOFOLLOW)
}

// Readlink returns the target of symlink rel.
func (p *Profile) Readlink(rel string) ([]byte, error) {
	if err := p.inside(rel); err != nil {
		return nil, err
	}
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return nil, err
	}
	defer done()
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return nil, err
		}
		if n < len(buf) {
			return buf[:n], nil
		}
		if len(buf) > 1<<16 {
			return nil, fmt.Errorf("readlink %s: %w", rel, unix.ENAMETOOLONG)
		}
		buf = make([]byte, 2*len(buf))
	}
}

// OpenDir opens directory rel for listing; the caller owns the descriptor.
func (p *Profile) OpenDir(rel string) (int, error) {
	if err := p.listing(rel); err != nil {
		return -1, err
	}
	return p.openDir(rel, unix.O_RDONLY)
}

// OpenDirFile opens directory rel for listing as an *os.File, which the
// caller closes: the form both backends can give.
func (p *Profile) OpenDirFile(rel string) (*os.File, error) {
	if err := p.listing(rel); err != nil {
		return nil, err
	}
	fd, err := p.openDir(rel, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), rel), nil
}

// openSnapshot opens hive file rel for reading (hivegate.go).
func (p *Profile) openSnapshot(rel string) (*os.File, error) {
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return nil, err
	}
	defer done()
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), rel), nil
}
