package syncer

import (
	"io/fs"
	"time"

	"roamfs/internal/entry"
	"roamfs/journal"
	"roamfs/store"
)

// Kind is what a path is, or KindNone when absent: the one definition in
// package entry, which the journal's bases and the store's entries share, so
// a version moves between them without conversion.
type Kind = entry.Kind

const (
	KindNone    = entry.KindNone
	KindFile    = entry.KindFile
	KindDir     = entry.KindDir
	KindSymlink = entry.KindSymlink
	KindOther   = entry.KindOther // devices, FIFOs, sockets: never roam
)

// Version is one side's state of a path, as far as syncing cares.
type Version struct {
	Kind   Kind
	Size   int64
	MTime  time.Time
	Mode   uint32 // permission bits in POSIX layout (entry.ToPOSIX), as bases store them
	Target string // symlink target
}

// Present reports whether the path exists on this side.
func (v Version) Present() bool { return v.Kind != KindNone }

// Same reports whether two versions are the same content as far as a sync can
// tell without reading it: files by size, mtime and mode, symlinks by target,
// directories by mode (a directory's mtime moves with its children).
func (v Version) Same(o Version) bool {
	if v.Kind != o.Kind {
		return false
	}
	switch v.Kind {
	case KindNone:
		return true
	case KindSymlink:
		return v.Target == o.Target
	case KindDir:
		return v.Mode == o.Mode
	default:
		return v.Size == o.Size && v.MTime.Equal(o.MTime) && v.Mode == o.Mode
	}
}

func fromStoreInfo(i store.Info) Version {
	return Version{Kind: i.Kind, Size: i.Size, MTime: i.MTime, Mode: entry.ToPOSIX(i.Mode), Target: i.Target}
}

func fromBase(b journal.Base, ok bool) Version {
	if !ok {
		return Version{}
	}
	return Version{Kind: b.Kind, Size: b.Size, MTime: b.MTime, Mode: b.Mode, Target: b.Target}
}

func (v Version) base() journal.Base {
	return journal.Base{Kind: v.Kind, Size: v.Size, MTime: v.MTime, Mode: v.Mode, Target: v.Target}
}

// fromInfo describes a cache entry. The mode keeps the POSIX bit layout on
// every platform, so a base written on Linux reads the same on Windows.
func fromInfo(fi fs.FileInfo, target string) Version {
	m := fi.Mode()
	v := Version{Kind: entry.KindOf(m), Size: fi.Size(), MTime: fi.ModTime(), Mode: entry.ToPOSIX(m)}
	switch v.Kind {
	case KindDir:
		v.Size = 0
	case KindSymlink:
		v.Target, v.Mode, v.Size = target, 0, 0
	}
	return v
}
