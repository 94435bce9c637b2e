// Package entry is what roamfs knows of a filesystem entry on every side of a
// sync: its kind (file, directory, symlink, anything else) and its mode bits
// in POSIX layout. The journal stores both in its base versions, the store
// reports them for the server copy, the syncer compares them and the overlay
// hands the mode to FUSE; one definition keeps them from drifting apart.
package entry

import (
	"fmt"
	"io/fs"
)

// Kind is what a path is, or KindNone when absent. The values are stored:
// the journal writes a base's kind as this byte, so they never change.
type Kind uint8

const (
	KindNone    Kind = 0 // no entry (the zero value)
	KindFile    Kind = 1 // regular file
	KindDir     Kind = 2 // directory
	KindSymlink Kind = 3 // symbolic link, never followed
	KindOther   Kind = 4 // device, FIFO, socket...: never roams, never stored as a base
)

func (k Kind) String() string {
	switch k {
	case KindNone:
		return "none"
	case KindFile:
		return "file"
	case KindDir:
		return "directory"
	case KindSymlink:
		return "symlink"
	case KindOther:
		return "special file"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// KindOf is the kind of an entry with mode m (as Lstat reports it).
func KindOf(m fs.FileMode) Kind {
	switch {
	case m.IsRegular():
		return KindFile
	case m.IsDir():
		return KindDir
	case m&fs.ModeSymlink != 0:
		return KindSymlink
	}
	return KindOther
}
