//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"github.com/winfsp/cgofuse/fuse"

	"roamfs/overlay"
)

func fillStat(dst *fuse.Stat_t, st *overlay.Stat) {
	*dst = fuse.Stat_t{
		Dev:     uint64(st.Dev),
		Ino:     uint64(st.Ino),
		Mode:    uint32(st.Mode),
		Nlink:   uint32(st.Nlink),
		Uid:     uint32(st.Uid),
		Gid:     uint32(st.Gid),
		Rdev:    uint64(st.Rdev),
		Size:    int64(st.Size),
		Atim:    fuse.Timespec{Sec: int64(st.Atim.Sec), Nsec: int64(st.Atim.Nsec)},
		Mtim:    fuse.Timespec{Sec: int64(st.Mtim.Sec), Nsec: int64(st.Mtim.Nsec)},
		Ctim:    fuse.Timespec{Sec: int64(st.Ctim.Sec), Nsec: int64(st.Ctim.Nsec)},
		Blksize: int64(st.Blksize),
		Blocks:  int64(st.Blocks),
	}
}

func fillStatfs(dst *fuse.Statfs_t, s *overlay.Statfs) {
	*dst = fuse.Statfs_t{
		Bsize:   uint64(s.Bsize),
		Frsize:  uint64(s.Frsize),
		Blocks:  uint64(s.Blocks),
		Bfree:   uint64(s.Bfree),
		Bavail:  uint64(s.Bavail),
		Files:   uint64(s.Files),
		Ffree:   uint64(s.Ffree),
		Favail:  uint64(s.Ffree),
		Namemax: uint64(s.Namelen),
	}
}

// owner is the caller of the current request: a new entry is given to it.
func owner() *overlay.Owner {
	uid, gid, _ := fuse.Getcontext()
	return &overlay.Owner{UID: uid, GID: gid}
}
