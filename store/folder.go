package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// Folder is one directory of the server copy held open for reading many of
// its files, as a download of a whole profile does: resolving a path is one
// Lstat, open and check per component, and doing that again for each of a
// folder's hundred files cost more than reading them. Open has the contract of
// Store.Open for the path joinRel(folder, name), with one difference: the
// folder is the one that stood at its path when it was opened (a folder
// renamed or replaced since then is still the one read, as in a Walk).
// A Folder is safe for concurrent use; the caller closes it, soon.
type Folder interface {
	// Open opens the regular file name (a single name) of the folder.
	Open(ctx context.Context, name string) (io.ReadCloser, Info, error)
	Close() error
}

// FolderOpener is a Store that can hold a folder open. Decorators implement
// it too, passing it through to the Store they wrap.
type FolderOpener interface {
	// OpenFolder opens the directory rel ("" = the root) without following
	// symlinks; its errors are those Walk gives for rel.
	OpenFolder(ctx context.Context, rel string) (Folder, error)
}

// OpenFolder opens the folder rel of s: held open if s can do that, else a
// Folder whose Open is s.Open of the full path.
func OpenFolder(ctx context.Context, s Store, rel string) (Folder, error) {
	if fo, ok := s.(FolderOpener); ok {
		return fo.OpenFolder(ctx, rel)
	}
	return pathFolder{s: s, rel: rel}, nil
}

// pathFolder opens each file by its full path.
type pathFolder struct {
	s   Store
	rel string
}

func (f pathFolder) Open(ctx context.Context, name string) (io.ReadCloser, Info, error) {
	return f.s.Open(ctx, joinRel(f.rel, name))
}

func (pathFolder) Close() error { return nil }

// OpenFolder implements FolderOpener.
func (d *Dir) OpenFolder(ctx context.Context, rel string) (Folder, error) {
	if err := begin(ctx, rel); err != nil {
		return nil, opError(OpOpen, rel, err)
	}
	r, err := d.openDir(rel)
	if err != nil {
		return nil, opError(OpOpen, rel, err)
	}
	return &dirFolder{root: r, rel: rel}, nil
}

type dirFolder struct {
	root *os.Root
	rel  string
}

func (f *dirFolder) Open(ctx context.Context, name string) (io.ReadCloser, Info, error) {
	rel := joinRel(f.rel, name)
	file, info, err := f.open(ctx, rel, name)
	if err != nil {
		return nil, Info{}, opError(OpOpen, rel, err)
	}
	return file, info, nil
}

func (f *dirFolder) open(ctx context.Context, rel, name string) (*os.File, Info, error) {
	if err := begin(ctx, rel); err != nil {
		return nil, Info{}, err
	}
	if name == "" || strings.Contains(name, "/") {
		return nil, Info{}, fmt.Errorf("%w %q: not a single name", ErrInvalidPath, name)
	}
	return openIn(f.root, rel, name)
}

func (f *dirFolder) Close() error { return f.root.Close() }

// decorated is a decorator's Folder: open gets the wrapped folder, the name
// and its full path.
type decorated struct {
	Folder
	rel  string
	open func(ctx context.Context, in Folder, name, rel string) (io.ReadCloser, Info, error)
}

func (d *decorated) Open(ctx context.Context, name string) (io.ReadCloser, Info, error) {
	return d.open(ctx, d.Folder, name, joinRel(d.rel, name))
}

// OpenFolder implements FolderOpener: opening the folder is retried as Open
// is; so is each Open in it, the first try through the held folder and the
// others by the full path, since a share that blinked may have left the held
// folder unusable.
func (r *Retry) OpenFolder(ctx context.Context, rel string) (Folder, error) {
	var f Folder
	err := r.do(ctx, OpOpen, func() (e error) { f, e = OpenFolder(ctx, r.Store, rel); return })
	if err != nil {
		return nil, err
	}
	return &decorated{Folder: f, rel: rel, open: r.openIn}, nil
}

func (r *Retry) openIn(ctx context.Context, in Folder, name, rel string) (rc io.ReadCloser, i Info, err error) {
	held := true
	err = r.do(ctx, OpOpen, func() (e error) {
		if held {
			held = false
			rc, i, e = in.Open(ctx, name)
		} else {
			rc, i, e = r.Store.Open(ctx, rel)
		}
		return
	})
	return
}

// DirLister is a Store that lists one folder without what lies below it.
// An S3 Walk lists the whole subtree and describes every entry before it
// hands over the first one, so a Walk that skips every folder still costs a
// request per object of the profile; ListDir costs a listing of the folder
// (and, to describe them, a request per entry of that folder only).
type DirLister interface {
	// ListDir returns the direct entries of the directory rel ("" = the
	// root) in byte order of their names, with Walk's errors for rel.
	// Described as Walk describes them when describe is set; otherwise only
	// Path and Kind are set, and Kind is KindDir or KindFile (a symlink may
	// read as a file).
	ListDir(ctx context.Context, rel string, describe bool) ([]Info, error)
}

// ListDir lists the directory rel of s (see DirLister): through s's own
// ListDir, or the one of a store s wraps, else a Walk that skips every folder.
func ListDir(ctx context.Context, s Store, rel string, describe bool) ([]Info, error) {
	for x := s; x != nil; {
		if l, ok := x.(DirLister); ok {
			return l.ListDir(ctx, rel, describe)
		}
		u, ok := x.(interface{ Unwrap() Store })
		if !ok {
			break
		}
		x = u.Unwrap()
	}
	return listByWalk(ctx, s, rel)
}
