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
	// One open of the folder, not a held-open root and a walk of its
	// ancestors (openDir): the background fill adopts every file of the
	// profile, and this is most of what it does besides copying.
	d, err := l.root.Open(name(path.Dir(rel)))
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Renameat(unix.AT_FDCWD, stage, int(d.Fd()), path.Base(rel))
}
