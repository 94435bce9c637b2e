//go:build unix

package store

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// readDirEntries reads f's entries through a plain *os.File on a duplicate of
// its descriptor (see readEntries).
func readDirEntries(f *os.File) ([]fs.DirEntry, error) {
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	plain := os.NewFile(uintptr(fd), f.Name())
	defer plain.Close()
	return plain.ReadDir(-1)
}
