//go:build !linux

package syncer

import (
	"os"
	"time"
)

// folderFD places files through the folder's os.Root where there is no
// cheaper way (local_dir_linux.go).
type folderFD struct{ r *os.Root }

func openFolderFD(r *os.Root) (folderFD, error) { return folderFD{r}, nil }

func (folderFD) close() error { return nil }

func (d folderFD) createTemp(name string) (*os.File, error) {
	return d.r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// createOver opens name for writing from its start; only a regular file there
// is truncated (os.Root would follow a symlink).
func (d folderFD) createOver(name string) (*os.File, error) {
	if fi, err := d.r.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "create", Path: name, Err: os.ErrExist}
	}
	return d.r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
}

func (d folderFD) chtimes(name string, t time.Time) error { return d.r.Chtimes(name, t, t) }

func (d folderFD) rename(from, to string) error { return d.r.Rename(from, to) }

func (d folderFD) remove(name string) error { return d.r.Remove(name) }
