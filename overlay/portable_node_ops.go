//go:build !linux || roamfs_portable

package overlay

import (
	"os"
	"syscall"
)

// Lstat describes rel without following a final symlink.
func (p *Profile) Lstat(rel string) (Stat, error) {
	if err := p.inside(rel); err != nil {
		return Stat{}, err
	}
	fi, err := p.dir.Lstat(name(rel))
	if err != nil {
		return Stat{}, err
	}
	return statOf(fi), nil
}

// newEntry makes rel's entry with mk, gives it to o and describes it.
func (p *Profile) newEntry(rel string, o *Owner, mk func(name string) error) (Stat, error) {
	if err := mk(name(rel)); err != nil {
		return Stat{}, err
	}
	if err := p.chown(rel, o); err != nil {
		return Stat{}, err
	}
	return p.Lstat(rel)
}

func (p *Profile) mkdir(rel string, mode uint32, o *Owner) (Stat, error) {
	return p.newEntry(rel, o, func(n string) error { return p.dir.Mkdir(n, fileMode(mode)) })
}

func (p *Profile) symlink(target, rel string, o *Owner) (Stat, error) {
	return p.newEntry(rel, o, func(n string) error { return p.dir.Symlink(target, n) })
}

// mknod makes regular files only: os.Root has no mknod, and FIFOs, sockets and
// devices have no place in a Windows profile.
func (p *Profile) mknod(rel string, mode, dev uint32, o *Owner) (Stat, error) {
	if t := mode & sIFMT; t != 0 && t != sIFREG {
		return Stat{}, notSupported("mknod of a special file", rel)
	}
	return p.newEntry(rel, o, func(n string) error {
		f, err := p.dir.OpenFile(n, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode(mode))
		if err != nil {
			return err
		}
		return f.Close()
	})
}

// remove removes rel, which must be a directory if dir is set and must not be
// one otherwise: os.Root.Remove takes either, unlink(2) and rmdir(2) do not.
func (p *Profile) remove(rel string, dir bool) error {
	st, err := p.Lstat(rel)
	if err != nil {
		return err
	}
	switch isDir := st.Mode&sIFMT == sIFDIR; {
	case dir && !isDir:
		return &os.PathError{Op: "rmdir", Path: rel, Err: syscall.ENOTDIR}
	case !dir && isDir:
		return &os.PathError{Op: "unlink", Path: rel, Err: syscall.EISDIR}
	}
	return p.dir.Remove(name(rel))
}

// rename calls before with the size of what oldRel names, then renames.
// RENAME_NOREPLACE is a check before the rename: only the daemon's own
// requests reach the cache, and a create racing a no-replace rename of the
// same name is the one case it does not stop. RENAME_EXCHANGE has no portable
// form.
func (p *Profile) rename(oldRel, newRel string, flags uint32, before func(size int64) error) error {
	if flags&^renameNoReplace != 0 {
		return notSupported("rename exchange", oldRel)
	}
	st, err := p.Lstat(oldRel)
	if err != nil {
		return err
	}
	if flags&renameNoReplace != 0 {
		if _, err := p.dir.Lstat(name(newRel)); err == nil {
			return &os.LinkError{Op: "rename", Old: oldRel, New: newRel, Err: syscall.EEXIST}
		}
	}
	if err := before(st.Size); err != nil {
		return err
	}
	return p.dir.Rename(name(oldRel), name(newRel))
}

func (p *Profile) link(existingRel, newRel string) (Stat, error) {
	if err := p.dir.Link(name(existingRel), name(newRel)); err != nil {
		return Stat{}, err
	}
	return p.Lstat(newRel)
}

// Readlink returns the target of symlink rel.
func (p *Profile) Readlink(rel string) ([]byte, error) {
	if err := p.inside(rel); err != nil {
		return nil, err
	}
	t, err := p.dir.Readlink(name(rel))
	if err != nil {
		return nil, err
	}
	return []byte(t), nil
}

// OpenDir has no descriptor to give on this backend; use OpenDirFile.
func (p *Profile) OpenDir(rel string) (int, error) {
	return -1, notSupported("directory descriptor", rel)
}

// OpenDirFile opens directory rel for listing; the caller closes it.
func (p *Profile) OpenDirFile(rel string) (*os.File, error) {
	if err := p.listing(rel); err != nil {
		return nil, err
	}
	f, err := p.dir.Open(name(rel))
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.IsDir() {
		err = &os.PathError{Op: "opendir", Path: rel, Err: syscall.ENOTDIR}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openSnapshot opens hive file rel for reading (hivegate.go).
func (p *Profile) openSnapshot(rel string) (*os.File, error) {
	return p.dir.OpenFile(name(rel), os.O_RDONLY, 0)
}

// setattr applies a by path (setattr_journal.go journals it). Times are set
// through os.Root.Chtimes, which follows a final symlink: a symlink's own
// times (lutimes) are refused rather than set on its target.
func (p *Profile) setattr(rel string, a Attr) (Stat, error) {
	n := name(rel)
	if a.setsTimes() {
		st, err := p.Lstat(rel)
		if err != nil {
			return st, err
		}
		if st.Mode&sIFMT == sIFLNK {
			return st, notSupported("utimes of a symlink", rel)
		}
	}
	if a.Mode != nil {
		if err := p.dir.Chmod(n, fileMode(*a.Mode)); err != nil {
			return Stat{}, err
		}
	}
	if uid, gid, ok := a.owner(); ok {
		if err := p.dir.Lchown(n, uid, gid); err != nil {
			return Stat{}, err
		}
	}
	if a.Size != nil {
		size := int64(*a.Size)
		if err := p.truncated(rel, size, func() error { return p.truncate(n, size) }); err != nil {
			return Stat{}, err
		}
	}
	if a.setsTimes() {
		if err := p.dir.Chtimes(n, timeOrZero(a.Atime), timeOrZero(a.Mtime)); err != nil {
			return Stat{}, err
		}
	}
	return p.Lstat(rel)
}

func (p *Profile) truncate(n string, size int64) error {
	f, err := p.dir.OpenFile(n, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
