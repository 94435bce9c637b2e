//go:build windows

package syncer

import (
	"os"
	"path/filepath"
)

// adopt renames stage, a file outside the cache's profile on the same
// volume, to rel in the cache. Windows has no renameat: the path is checked
// to stay inside the profile as os.Root would (the profile on NTFS holds no
// symlinks the user made).
func (l *local) adopt(stage, rel string) error {
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return os.ErrInvalid
	}
	return os.Rename(stage, filepath.Join(l.root.Name(), filepath.FromSlash(rel)))
}
