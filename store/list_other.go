//go:build !unix

package store

import (
	"io/fs"
	"os"
)

// readDirEntries is f.ReadDir where descriptors cannot be wrapped.
func readDirEntries(f *os.File) ([]fs.DirEntry, error) { return f.ReadDir(-1) }
