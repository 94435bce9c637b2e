// Package syncer moves a roaming profile between the server copy and the local
// cache: the logon merge, the logoff replay of the change journal, and the
// bookkeeping that lets a crashed sync be replayed. Every decision about a path
// is a pure function (decide.go) of this machine's intent, the base version, the
// server's version and the local version; the rest of the package gathers those
// inputs and carries the decision out.
package syncer

import (
	"io/fs"
	"time"

	"roamfs/journal"
	"roamfs/store"
)

// Kind is what a path is, or KindNone when absent.
type Kind uint8

const (
	KindNone Kind = iota
	KindFile
	KindDir
	KindSymlink
	KindOther // devices, FIFOs, sockets: never roam
)

// Version is one side's state of a path, as far as syncing cares.
type Version struct {
	Kind   Kind
	Size   int64
	MTime  time.Time
	Mode   uint32 // permission bits
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
	k := KindOther
	switch i.Kind {
	case store.KindNone:
		k = KindNone
	case store.KindFile:
		k = KindFile
	case store.KindDir:
		k = KindDir
	case store.KindSymlink:
		k = KindSymlink
	}
	return Version{Kind: k, Size: i.Size, MTime: i.MTime, Mode: uint32(i.Mode.Perm()) | modeExtra(i.Mode), Target: i.Target}
}

// The POSIX positions of setuid, setgid and sticky, as the journal stores them.
const (
	modeSetuid = 0o4000
	modeSetgid = 0o2000
	modeSticky = 0o1000
)

// modeExtra keeps setuid/setgid/sticky in the unix bit positions.
func modeExtra(m fs.FileMode) uint32 {
	var x uint32
	if m&fs.ModeSetuid != 0 {
		x |= modeSetuid
	}
	if m&fs.ModeSetgid != 0 {
		x |= modeSetgid
	}
	if m&fs.ModeSticky != 0 {
		x |= modeSticky
	}
	return x
}

func toFileMode(mode uint32) fs.FileMode {
	m := fs.FileMode(mode & 0o777)
	if mode&modeSetuid != 0 {
		m |= fs.ModeSetuid
	}
	if mode&modeSetgid != 0 {
		m |= fs.ModeSetgid
	}
	if mode&modeSticky != 0 {
		m |= fs.ModeSticky
	}
	return m
}

func fromBase(b journal.Base, ok bool) Version {
	if !ok {
		return Version{}
	}
	return Version{Kind: Kind(b.Kind), Size: b.Size, MTime: b.MTime, Mode: b.Mode, Target: b.Target}
}

func (v Version) base() journal.Base {
	return journal.Base{Kind: journal.Kind(v.Kind), Size: v.Size, MTime: v.MTime, Mode: v.Mode, Target: v.Target}
}

// fromInfo describes a cache entry. The mode keeps the POSIX bit layout on
// every platform, so a base written on Linux reads the same on Windows.
func fromInfo(fi fs.FileInfo, target string) Version {
	m := fi.Mode()
	v := Version{Size: fi.Size(), MTime: fi.ModTime(), Mode: uint32(m.Perm()) | modeExtra(m)}
	switch {
	case m.IsRegular():
		v.Kind = KindFile
	case m.IsDir():
		v.Kind, v.Size = KindDir, 0
	case m&fs.ModeSymlink != 0:
		v.Kind, v.Target, v.Mode, v.Size = KindSymlink, target, 0, 0
	default:
		v.Kind = KindOther
	}
	return v
}
