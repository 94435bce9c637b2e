package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Put implements Store.
func (d *Dir) Put(ctx context.Context, rel string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if err := d.put(ctx, rel, tempName(), r, mode, mtime); err != nil {
		return opError(OpPut, rel, err)
	}
	return nil
}

// PutVia implements Store.
func (d *Dir) PutVia(ctx context.Context, rel, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if tmp == "" || strings.ContainsAny(tmp, "/\\\x00") || tmp == "." || tmp == ".." {
		return opError(OpPut, rel, fmt.Errorf("temporary name %q: %w", tmp, ErrInvalidPath))
	}
	if err := d.put(ctx, rel, tmp, r, mode, mtime); err != nil {
		return opError(OpPut, rel, err)
	}
	return nil
}

func (d *Dir) put(ctx context.Context, rel, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	dir, name, err := d.beginWrite(ctx, rel)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := refuseDir(dir, name); err != nil {
		return err
	}
	// O_EXCL never follows a symlink, so the temporary file is a new inode of ours.
	f, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := writeTemp(ctx, dir, tmp, f, r, mode, mtime); err != nil {
		f.Close()
		dir.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		dir.Remove(tmp)
		return err
	}
	if err := rename(dir, tmp, name); err != nil {
		return err
	}
	return d.syncParent(ctx, dir, rel)
}

// writeTemp fills the temporary file and gives it its final metadata before the
// fsync, so that the rename publishes a complete, durable file.
func writeTemp(ctx context.Context, dir *os.Root, tmp string, f *os.File, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	// Without a cancellable context, hand io.Copy the reader itself so that it can
	// use copy_file_range/splice between files; with one, check it on every read.
	if ctx.Done() != nil {
		r = ctxReader{ctx, r}
	}
	if _, err := io.Copy(f, r); err != nil {
		return err
	}
	if err := f.Chmod(mode & ModeBits); err != nil {
		return err
	}
	if !mtime.IsZero() {
		if err := setTimes(dir, tmp, mtime); err != nil {
			return err
		}
	}
	return f.Sync()
}

// rename renames the temporary entry tmp over name; syncParent then makes it
// durable.
func rename(dir *os.Root, tmp, name string) error {
	if err := dir.Rename(tmp, name); err != nil {
		dir.Remove(tmp)
		if refuseDir(dir, name) != nil {
			return fmt.Errorf("%w (created meanwhile)", ErrIsDir)
		}
		return err
	}
	return nil
}

// refuseDir fails with ErrIsDir if name in dir is a directory, which a rename of a
// file over it would either fail on or, on some systems, replace when empty.
func refuseDir(dir *os.Root, name string) error {
	fi, err := dir.Lstat(name)
	if err == nil && fi.IsDir() {
		return ErrIsDir
	}
	return nil
}

// Mkdir implements Store.
func (d *Dir) Mkdir(ctx context.Context, rel string, mode fs.FileMode) error {
	if err := d.mkdir(ctx, rel, mode); err != nil {
		return opError(OpMkdir, rel, err)
	}
	return nil
}

func (d *Dir) mkdir(ctx context.Context, rel string, mode fs.FileMode) error {
	dir, name, err := d.beginWrite(ctx, rel)
	if err != nil {
		return err
	}
	defer dir.Close()
	created := true
	if err := dir.Mkdir(name, 0o700); errors.Is(err, fs.ErrExist) {
		created = false
	} else if err != nil {
		return err
	}
	// Set the mode through the opened directory: exact (no umask), and on the
	// directory that is there now, whichever Mkdir call created it.
	sub, err := openChild(dir, rel, name)
	if nd := (*notDirError)(nil); errors.As(err, &nd) {
		return fmt.Errorf("a %s is in the way: %w", nd.kind, fs.ErrExist)
	}
	if err != nil {
		return err
	}
	defer sub.Close()
	if err := sub.Chmod(".", mode&ModeBits); err != nil {
		return err
	}
	if !created {
		return nil
	}
	return syncDir(dir)
}

// Symlink implements Store.
func (d *Dir) Symlink(ctx context.Context, target, rel string) error {
	if err := d.symlink(ctx, target, rel); err != nil {
		return opError(OpSymlink, rel, err)
	}
	return nil
}

func (d *Dir) symlink(ctx context.Context, target, rel string) error {
	dir, name, err := d.beginWrite(ctx, rel)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := refuseDir(dir, name); err != nil {
		return err
	}
	tmp := tempName()
	if err := dir.Symlink(target, tmp); err != nil {
		return err
	}
	if err := rename(dir, tmp, name); err != nil {
		return err
	}
	return d.syncParent(ctx, dir, rel)
}

// Remove implements Store.
func (d *Dir) Remove(ctx context.Context, rel string) error {
	if err := d.remove(ctx, rel); err != nil {
		return opError(OpRemove, rel, err)
	}
	return nil
}

func (d *Dir) remove(ctx context.Context, rel string) error {
	dir, name, err := d.beginWrite(ctx, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // the parent is gone, or not a directory: nothing below it exists
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	err = dir.Remove(name)
	if err == nil {
		return d.syncParent(ctx, dir, rel)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if sub, oerr := openChild(dir, rel, name); oerr == nil {
		names, rerr := readNames(sub)
		sub.Close()
		if rerr == nil && len(names) > 0 {
			return fmt.Errorf("%d entries: %w", len(names), ErrNotEmpty)
		}
	}
	return err
}

// SetTimes implements Store.
func (d *Dir) SetTimes(ctx context.Context, rel string, mtime time.Time) error {
	if err := d.setTimes(ctx, rel, mtime); err != nil {
		return opError(OpSetTimes, rel, err)
	}
	return nil
}

func (d *Dir) setTimes(ctx context.Context, rel string, mtime time.Time) error {
	if mtime.IsZero() {
		return fmt.Errorf("zero mtime: %w", fs.ErrInvalid)
	}
	if rel == "" {
		if err := begin(ctx, rel); err != nil {
			return err
		}
		return d.root.Chtimes(".", mtime, mtime)
	}
	dir, name, err := d.beginWrite(ctx, rel)
	if err != nil {
		return err
	}
	defer dir.Close()
	return setTimes(dir, name, mtime)
}

// beginWrite checks ctx and rel and opens rel's parent; rel must not be the root.
func (d *Dir) beginWrite(ctx context.Context, rel string) (*os.Root, string, error) {
	if err := begin(ctx, rel); err != nil {
		return nil, "", err
	}
	if rel == "" {
		return nil, "", fmt.Errorf("%w: the profile root itself", ErrInvalidPath)
	}
	return d.openParent(rel)
}

// tempName returns a fresh TempPrefix name; 130 random bits make collisions moot.
func tempName() string { return TempPrefix + rand.Text() }

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
