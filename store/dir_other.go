//go:build !unix

package store

import (
	"errors"
	"fmt"
	"os"
	"time"
)

const openReadFlags = 0

// setTimes sets atime and mtime of name in dir. Without utimensat's
// AT_SYMLINK_NOFOLLOW a symlink's own times cannot be set, so they are refused
// rather than followed.
func setTimes(dir *os.Root, name string, mtime time.Time) error {
	fi, err := dir.Lstat(name)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("times of a symlink: %w", errors.ErrUnsupported)
	}
	return dir.Chtimes(name, mtime, mtime)
}

// syncDir: directory entries cannot be flushed through a handle here; the rename
// is as durable as the filesystem makes it.
func syncDir(*os.Root) error { return nil }
