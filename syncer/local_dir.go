package syncer

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	"roamfs/internal/entry"
	"roamfs/store"
)

// localDir is one folder of the cache held open while files are placed in it.
// os.Root resolves a path one component at a time on every call, so placing a
// file by its profile path (create, chown, chmod, chtimes, stat, rename) walked
// the tree a dozen times; through the open folder each of those is one call on
// a single name. Opening the folder follows a symlink inside the cache just as
// those calls did.
type localDir struct {
	root  *os.Root
	fd    folderFD // the same folder, for placing files (local_dir_linux.go)
	owner *Owner
	// belowLink: the folder or one of its ancestors is a symlink, so stat sees
	// nothing below it and nothing there is cleared out of the way.
	belowLink bool
}

// openDir opens the cache folder rel ("" = the profile root). The caller closes it.
func (l *local) openDir(rel string) (*localDir, error) {
	r, err := l.root.OpenRoot(name(rel))
	if err != nil {
		return nil, err
	}
	fd, err := openFolderFD(r)
	if err != nil {
		r.Close()
		return nil, err
	}
	d := &localDir{root: r, fd: fd, owner: l.owner}
	for a := rel; a != "" && a != "."; a = path.Dir(a) {
		if fi, err := l.root.Lstat(a); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			d.belowLink = true
			break
		}
	}
	return d, nil
}

func (d *localDir) close() error {
	err := d.fd.close()
	if rerr := d.root.Close(); err == nil {
		err = rerr
	}
	return err
}

// place writes r into the file base atomically (temporary name in this folder,
// then rename), with the server's mode and mtime, replacing a file or symlink
// there, or an empty folder.
func (d *localDir) place(base string, r io.Reader, v Version) error {
	return d.placeWith(base, v, func(f *os.File) error {
		_, err := io.Copy(f, r)
		return err
	})
}

// placeSparse places a streamed logon's placeholder for v: a sparse file of
// v's size with its mode and mtime, and no data (unfetched.go).
func (d *localDir) placeSparse(base string, v Version) error {
	return d.placeWith(base, v, func(f *os.File) error { return f.Truncate(v.Size) })
}

// placeInMarked is place for a folder still marked unmaterialized (lazy.go):
// the file is written under its own name, without a temporary one and a
// rename, since nobody looks into the folder before its materialization ends
// and a logon empties a marked folder first (clearMarked). A file there
// already (from a materialization cut short) is truncated and rewritten; a
// symlink or folder in the way makes it a place.
func (d *localDir) placeInMarked(base string, r io.Reader, v Version) error {
	f, err := d.fd.createOver(base)
	if err != nil {
		return d.place(base, r, v)
	}
	if err = d.finish(f, base, v, func(f *os.File) error {
		_, err := io.Copy(f, r)
		return err
	}); err != nil {
		d.fd.remove(base)
	}
	return err
}

func (d *localDir) placeWith(base string, v Version, fill func(*os.File) error) error {
	tmp := store.TempPrefix + randomSuffix()
	f, err := d.fd.createTemp(tmp)
	if err != nil {
		return err
	}
	err = d.finish(f, tmp, v, fill)
	if err == nil {
		err = d.replace(tmp, base)
	}
	if err != nil {
		d.fd.remove(tmp)
	}
	return err
}

// finish fills the new file f (named name in the folder), gives it v's owner,
// mode and mtime, and closes it.
func (d *localDir) finish(f *os.File, name string, v Version, fill func(*os.File) error) error {
	err := fill(f)
	// Owner, then mode (a change of owner clears setuid and setgid), through
	// the open file rather than by name: two lookups fewer per file.
	if err == nil && d.owner != nil {
		err = f.Chown(d.owner.UID, d.owner.GID)
	}
	if err == nil {
		err = f.Chmod(entry.FromPOSIX(v.Mode))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.fd.chtimes(name, v.MTime)
	}
	return err
}

// replace renames tmp to base. The rename replaces a file or symlink by
// itself; only when it fails is anything else cleared out of the way (and the
// rename tried again), so placing a file costs no lookup of base beforehand:
// at a first logon nothing is there, and that lookup was a tenth of the time.
func (d *localDir) replace(tmp, base string) error {
	if d.fd.rename(tmp, base) == nil {
		return nil
	}
	if err := d.clearForFile(base); err != nil {
		return err
	}
	return d.fd.rename(tmp, base)
}

// clearForFile is clearFor(rel, KindFile): a folder at base goes (if empty),
// anything else is replaced by the rename.
func (d *localDir) clearForFile(base string) error {
	if d.belowLink {
		return nil
	}
	fi, err := d.root.Lstat(base)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	if err != nil || !fi.IsDir() {
		return err
	}
	return d.root.Remove(base)
}
