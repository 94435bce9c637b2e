//go:build linux

package overlay

import (
	"fmt"

	"golang.org/x/sys/unix"

	"roamfs/journal"
)

// Lstat describes rel without following a final symlink.
func (p *Profile) Lstat(rel string) (unix.Stat_t, error) {
	var st unix.Stat_t
	if rel == "" {
		return st, unix.Fstat(p.rootFd, &st)
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

// Mkdir creates directory rel.
func (p *Profile) Mkdir(rel string, mode uint32, o *Owner) (unix.Stat_t, error) {
	return p.makeEntry(rel, journal.OpMkdir, o, func(dirfd int, name string) error {
		return unix.Mkdirat(dirfd, name, mode)
	})
}

// Symlink creates rel as a symlink to target; the target is stored verbatim and
// never followed by the daemon.
func (p *Profile) Symlink(target, rel string, o *Owner) (unix.Stat_t, error) {
	return p.makeEntry(rel, journal.OpSymlink, o, func(dirfd int, name string) error {
		return unix.Symlinkat(target, dirfd, name)
	})
}

// Mknod creates a special file (a FIFO or socket; device nodes are refused by the
// kernel's permission checks for ordinary users). It does not roam: Windows
// profiles hold no such files, so it is journaled as a create only for the record.
func (p *Profile) Mknod(rel string, mode, dev uint32, o *Owner) (unix.Stat_t, error) {
	return p.makeEntry(rel, journal.OpCreate, o, func(dirfd int, name string) error {
		return unix.Mknodat(dirfd, name, mode, int(dev))
	})
}

func (p *Profile) makeEntry(rel string, op journal.Op, o *Owner, mk func(dirfd int, name string) error) (unix.Stat_t, error) {
	var st unix.Stat_t
	if err := p.noSpace(); err != nil {
		return st, err
	}
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
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, err
	}
	return st, p.record(op, rel, "", st.Size)
}

// Unlink removes the file or symlink rel.
func (p *Profile) Unlink(rel string) error {
	return p.remove(rel, 0, journal.OpUnlink)
}

// Rmdir removes the empty directory rel.
func (p *Profile) Rmdir(rel string) error {
	return p.remove(rel, unix.AT_REMOVEDIR, journal.OpRmdir)
}

func (p *Profile) remove(rel string, flags int, op journal.Op) error {
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return err
	}
	defer done()
	if err := unix.Unlinkat(dirfd, name, flags); err != nil {
		return err
	}
	return p.record(op, rel, "", 0)
}

// Rename moves oldRel to newRel (flags: RENAME_NOREPLACE, RENAME_EXCHANGE). The
// syncer turns it into a delete of the old path and a create of the new one.
//
// Unlike the other operations it is journaled before it is done: a rename
// over a synced file replaces content the journal knows nothing about, and a
// daemon killed between the rename and its record would leave the next logon
// to "restore" the server's old version over an acknowledged write. A record
// for a rename that then fails is harmless: replay compares real state.
func (p *Profile) Rename(oldRel, newRel string, flags uint32) error {
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
	if err := p.record(journal.OpRename, newRel, oldRel, st.Size); err != nil {
		return err
	}
	if flags&unix.RENAME_EXCHANGE != 0 {
		// Both names will hold something new.
		if err := p.record(journal.OpRename, oldRel, newRel, 0); err != nil {
			return err
		}
	}
	return unix.Renameat2(odir, oname, ndir, nname, uint(flags))
}

// Link makes newRel a hard link to existingRel. The server gets a copy: Windows
// profile shares do not keep hard links.
func (p *Profile) Link(existingRel, newRel string) (unix.Stat_t, error) {
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
	if err := unix.Fstatat(ndir, nname, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, err
	}
	return st, p.record(journal.OpLink, newRel, "", st.Size)
}

// Readlink returns the target of symlink rel.
func (p *Profile) Readlink(rel string) ([]byte, error) {
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
	return p.openDir(rel, unix.O_RDONLY)
}

// Statfs reports the cache filesystem's space.
func (p *Profile) Statfs() (unix.Statfs_t, error) {
	var s unix.Statfs_t
	return s, unix.Fstatfs(p.rootFd, &s)
}
