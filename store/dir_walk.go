package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Walk implements Store.
func (d *Dir) Walk(ctx context.Context, rel string, fn func(Info) error) error {
	return d.walk(ctx, rel, func(_ *os.Root, _ string, info Info) error { return fn(info) })
}

// CleanTemp implements Store.
func (d *Dir) CleanTemp(ctx context.Context) (int, error) {
	n := 0
	err := d.walk(ctx, "", func(dir *os.Root, name string, info Info) error {
		if info.Kind == KindDir || !strings.HasPrefix(name, TempPrefix) {
			return nil
		}
		err := dir.Remove(name)
		switch {
		case err == nil:
			n++
		case !errors.Is(err, fs.ErrNotExist): // gone already: another cleaner won
			return opError(OpCleanTemp, info.Path, err)
		}
		return nil
	})
	return n, err
}

// visitFunc sees each entry with the open directory holding it and its name there,
// so that callers act on the entry without resolving its path again.
type visitFunc func(dir *os.Root, name string, info Info) error

func (d *Dir) walk(ctx context.Context, rel string, fn visitFunc) error {
	if err := begin(ctx, rel); err != nil {
		return opError(OpWalk, rel, err)
	}
	dir, err := d.openDir(rel)
	if err != nil {
		return opError(OpWalk, rel, err)
	}
	defer dir.Close()
	err = walkDir(ctx, dir, rel, fn)
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

// walkDir visits the entries of dir (profile path rel) in lexical order, each
// directory's contents right after it. Subdirectories are opened by handle from
// their parent and checked against their Lstat, so a directory swapped for a
// symlink between the two is reported as ErrChanged, never entered.
func walkDir(ctx context.Context, dir *os.Root, rel string, fn visitFunc) error {
	names, err := readNames(dir)
	if err != nil {
		return opError(OpWalk, rel, err)
	}
	slices.Sort(names)
	for _, name := range names {
		child := joinRel(rel, name)
		if err := ctx.Err(); err != nil {
			return opError(OpWalk, child, err)
		}
		fi, err := dir.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the directory was read
		}
		if err != nil {
			return opError(OpWalk, child, err)
		}
		info, err := infoOf(dir, child, name, fi)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return opError(OpWalk, child, err)
		}
		err = fn(dir, name, info)
		if errors.Is(err, fs.SkipDir) {
			if info.Kind == KindDir {
				continue
			}
			return nil // like filepath.WalkDir: skip the rest of this directory
		}
		if err != nil {
			return err
		}
		if info.Kind != KindDir {
			continue
		}
		if err := walkSub(ctx, dir, child, name, fi, fn); err != nil {
			return err
		}
	}
	return nil
}

func walkSub(ctx context.Context, dir *os.Root, rel, name string, fi fs.FileInfo, fn visitFunc) error {
	sub, err := openChildAs(dir, rel, name, fi)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // removed since its Lstat
	}
	if err != nil {
		return opError(OpWalk, rel, err)
	}
	defer sub.Close()
	return walkDir(ctx, sub, rel, fn)
}
