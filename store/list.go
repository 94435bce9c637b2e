package store

import (
	"context"
	"io/fs"
	"path"
)

// NameLister is a Store that can list a directory's names without describing
// each entry. Resolving how the server spells a path (case-insensitive
// profiles) needs only the names of each directory on the way; a Walk
// stat-ed every entry of every such directory, which made a logoff's plan
// cost the size of the folders it touched rather than the changes.
// Decorators implement it too, passing it through to the Store they wrap.
type NameLister interface {
	// ListNames returns the names of the entries of directory rel ("" = the
	// root), in no particular order, TempPrefix entries included. rel is
	// resolved as Walk resolves it, and its errors are Walk's: absent wraps
	// fs.ErrNotExist, another kind ErrNotDir. An entry removed or added
	// while the listing runs may or may not be in it.
	ListNames(ctx context.Context, rel string) ([]string, error)
}

// ListNames lists the names in directory rel of s: through NameLister if s
// is one, else a Walk of rel that descends into nothing.
func ListNames(ctx context.Context, s Store, rel string) ([]string, error) {
	if l, ok := s.(NameLister); ok {
		return l.ListNames(ctx, rel)
	}
	var names []string
	err := s.Walk(ctx, rel, func(i Info) error {
		names = append(names, path.Base(i.Path))
		if i.Kind == KindDir {
			return fs.SkipDir
		}
		return nil
	})
	return names, err
}

// ListNames implements NameLister: one directory read, no Lstat per entry.
func (d *Dir) ListNames(ctx context.Context, rel string) ([]string, error) {
	if err := begin(ctx, rel); err != nil {
		return nil, opError(OpWalk, rel, err)
	}
	dir, err := d.openDir(rel)
	if err != nil {
		return nil, opError(OpWalk, rel, err)
	}
	defer dir.Close()
	names, err := readNames(dir)
	if err != nil {
		return nil, opError(OpWalk, rel, err)
	}
	return names, nil
}

// ListNames implements NameLister. A listing feeds the caller nothing until
// it is whole, so it is repeated like a Stat.
func (r *Retry) ListNames(ctx context.Context, rel string) (names []string, err error) {
	err = r.do(ctx, OpWalk, func() (e error) { names, e = ListNames(ctx, r.Store, rel); return })
	return
}

var (
	_ NameLister = (*Dir)(nil)
	_ NameLister = (*Retry)(nil)
)
