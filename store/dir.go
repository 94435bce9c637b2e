package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"roamfs/internal/entry"
)

// Dir is a Store kept in a local directory (a mounted share, in practice). It holds
// the directory open: renaming or replacing the directory's path later does not
// redirect it. Safe for concurrent use.
type Dir struct {
	path string
	root *os.Root
}

var _ Store = (*Dir)(nil)

// OpenDir opens the profile directory path. A missing directory is created (with
// its parents, mode 0700: a profile is private) when create is set, and is an error
// wrapping fs.ErrNotExist otherwise. path itself may be reached through symlinks
// (it is configuration, not server data); nothing below it is.
func OpenDir(path string, create bool) (*Dir, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, fmt.Errorf("store: create profile directory: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("store: open profile directory: %w", err)
	case !fi.IsDir():
		return nil, fmt.Errorf("store: open profile directory %q: %w", path, ErrNotDir)
	}
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("store: open profile directory: %w", err)
	}
	return &Dir{path: path, root: root}, nil
}

// Close releases the directory. Calls after Close fail.
func (d *Dir) Close() error { return d.root.Close() }

// Root returns the directory path given to OpenDir.
func (d *Dir) Root() string { return d.path }

// IsEmpty reports whether the profile holds nothing but, perhaps, temporary entries
// of an interrupted upload: a server profile that does not exist yet, to be created
// from the default profile, as Windows does when the share folder is new.
func (d *Dir) IsEmpty(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	names, err := readNames(d.root)
	if err != nil {
		return false, opError("isempty", "", err)
	}
	for _, name := range names {
		if !strings.HasPrefix(name, TempPrefix) {
			return false, nil
		}
	}
	return true, nil
}

// Stat implements Store.
func (d *Dir) Stat(ctx context.Context, rel string) (Info, error) {
	info, err := d.stat(ctx, rel)
	if err != nil {
		return Info{}, opError(OpStat, rel, err)
	}
	return info, nil
}

func (d *Dir) stat(ctx context.Context, rel string) (Info, error) {
	if err := begin(ctx, rel); err != nil {
		return Info{}, err
	}
	if rel == "" {
		fi, err := d.root.Lstat(".")
		if err != nil {
			return Info{}, err
		}
		return infoOf(d.root, "", ".", fi)
	}
	dir, name, err := d.openParent(rel)
	if err != nil {
		return Info{}, err
	}
	defer dir.Close()
	fi, err := dir.Lstat(name)
	if err != nil {
		return Info{}, err
	}
	return infoOf(dir, rel, name, fi)
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, rel string) (io.ReadCloser, Info, error) {
	f, info, err := d.open(ctx, rel)
	if err != nil {
		return nil, Info{}, opError(OpOpen, rel, err)
	}
	return f, info, nil
}

func (d *Dir) open(ctx context.Context, rel string) (*os.File, Info, error) {
	if err := begin(ctx, rel); err != nil {
		return nil, Info{}, err
	}
	if rel == "" {
		return nil, Info{}, fmt.Errorf("the profile root: %w", ErrNotRegular)
	}
	dir, name, err := d.openParent(rel)
	if err != nil {
		return nil, Info{}, err
	}
	defer dir.Close()
	return openIn(dir, rel, name)
}

// openIn opens the regular file name of dir (profile path rel) for reading.
func openIn(dir *os.Root, rel, name string) (*os.File, Info, error) {
	// A file replaced by rename between the Lstat and the open (another
	// machine's logoff writes exactly so) is looked at again; only an entry
	// that keeps changing, or turns into something else, is refused.
	var f *os.File
	var got fs.FileInfo
	for try := 0; ; try++ {
		want, err := dir.Lstat(name)
		if err != nil {
			return nil, Info{}, err
		}
		if !want.Mode().IsRegular() {
			return nil, Info{}, fmt.Errorf("a %s: %w", entry.KindOf(want.Mode()), ErrNotRegular)
		}
		f, got, err = openFileAs(dir, name, want)
		if errors.Is(err, ErrChanged) && try < 3 {
			continue
		}
		if err != nil {
			return nil, Info{}, err
		}
		break
	}
	info, err := infoOf(dir, rel, name, got)
	if err != nil {
		f.Close()
		return nil, Info{}, err
	}
	return f, info, nil
}

// openFileAs opens for reading the regular file name of dir that Lstat described
// as want. Root.OpenFile would follow a symlink swapped in after the Lstat (inside
// the root only), and a directory or FIFO could be swapped in too: the fstat of what
// got opened catches all of them, and openReadFlags keeps a FIFO from blocking the
// open meanwhile.
func openFileAs(dir *os.Root, name string, want fs.FileInfo) (*os.File, fs.FileInfo, error) {
	f, err := dir.OpenFile(name, os.O_RDONLY|openReadFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	got, err := f.Stat()
	if err == nil && (!got.Mode().IsRegular() || !os.SameFile(want, got)) {
		err = ErrChanged
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, got, nil
}

// begin does the checks every method starts with.
func begin(ctx context.Context, rel string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return checkRel(rel)
}

// readNames lists the names in dir, unsorted. Only names are read: os.DirEntry.Info
// would Lstat by a joined path string, which a swapped directory could redirect.
func readNames(dir *os.Root) ([]string, error) {
	f, err := dir.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
