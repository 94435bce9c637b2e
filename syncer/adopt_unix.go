//go:build unix

package syncer

import (
	"path"

	"golang.org/x/sys/unix"
)

// adopt renames stage, a file outside the cache's profile on the same file
// system, to rel in the cache. The target folder is opened through the
// cache's os.Root, so a symlink in the profile cannot lead it outside.
func (l *local) adopt(stage, rel string) error {
	d, err := l.openDir(path.Dir(rel))
	if err != nil {
		return err
	}
	defer d.close()
	f, err := d.root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Renameat(unix.AT_FDCWD, stage, int(f.Fd()), path.Base(rel))
}
