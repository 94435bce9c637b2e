package store

import (
	"fmt"
	"io/fs"
	"os"
	"strings"

	"roamfs/internal/entry"
)

// Path resolution. os.Root already guarantees that nothing outside the profile
// directory is reached, but it follows symlinks that stay inside it. A server copy
// is not trusted and its symlinks are data, so paths are resolved here one name at
// a time: each directory is Lstat'ed, opened as a Root, and the opened directory is
// checked to be the very one that was Lstat'ed. A swap between the two steps (a
// symlink or another directory put in its place) is detected, not followed. Working
// from directory handles also keeps deep trees clear of PATH_MAX.

// openDir opens the directory rel ("" = root) of the profile. The caller closes it.
func (d *Dir) openDir(rel string) (*os.Root, error) {
	r, err := d.root.OpenRoot(".")
	if err != nil {
		return nil, err
	}
	if rel == "" {
		return r, nil
	}
	walked := ""
	for name := range strings.SplitSeq(rel, "/") {
		walked = joinRel(walked, name)
		next, err := openChild(r, walked, name)
		r.Close()
		if err != nil {
			return nil, err
		}
		r = next
	}
	return r, nil
}

// openParent opens the directory holding rel (non-empty) and returns it with
// rel's last name, on which the caller then acts with single-name Root calls.
func (d *Dir) openParent(rel string) (*os.Root, string, error) {
	dir, name := splitRel(rel)
	r, err := d.openDir(dir)
	return r, name, err
}

// openChild opens the subdirectory name of parent; rel is its profile path, for errors.
func openChild(parent *os.Root, rel, name string) (*os.Root, error) {
	fi, err := parent.Lstat(name)
	if err != nil {
		return nil, err
	}
	return openChildAs(parent, rel, name, fi)
}

// openChildAs opens the subdirectory name of parent that Lstat described as fi,
// failing with ErrChanged if what got opened is another directory.
func openChildAs(parent *os.Root, rel, name string, fi fs.FileInfo) (*os.Root, error) {
	if !fi.IsDir() {
		return nil, &notDirError{path: rel, kind: entry.KindOf(fi.Mode())}
	}
	sub, err := parent.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	got, err := sub.Stat(".")
	if err == nil && !os.SameFile(fi, got) {
		err = fmt.Errorf("%q: %w", rel, ErrChanged)
	}
	if err != nil {
		sub.Close()
		return nil, err
	}
	return sub, nil
}

// infoOf describes an entry of dir named name (profile path rel) that Lstat
// described as fi, reading a symlink's target.
func infoOf(dir *os.Root, rel, name string, fi fs.FileInfo) (Info, error) {
	info := Info{
		Path:  rel,
		Kind:  entry.KindOf(fi.Mode()),
		MTime: fi.ModTime(),
		Mode:  fi.Mode() & ModeBits,
	}
	switch info.Kind {
	case KindFile:
		info.Size = fi.Size()
		info.Allocated = allocated(fi)
	case KindSymlink:
		target, err := dir.Readlink(name)
		if err != nil {
			return Info{}, err
		}
		info.Target = target
		info.Size = int64(len(target))
	}
	return info, nil
}
