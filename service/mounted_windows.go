package service

import (
	"io/fs"
	"os"
)

// mountedAt: a WinFsp mount point is a reparse point that exists only while
// it is mounted (a drive letter: while the volume answers). An ordinary folder
// there is not a mount.
func mountedAt(mnt string) bool {
	if len(mnt) == 2 && mnt[1] == ':' {
		_, err := os.Stat(mnt + `\`)
		return err == nil
	}
	fi, err := os.Lstat(mnt)
	return err == nil && fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0
}
