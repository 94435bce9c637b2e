//go:build linux && roamfs_portable

package overlay

import (
	"io/fs"
	"syscall"
)

// statOf is fi as stat(2) gives it: on Linux FileInfo carries the kernel's
// own structure, so nothing is lost.
func statOf(fi fs.FileInfo) Stat {
	s, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return genericStat(fi)
	}
	return Stat{
		Dev: s.Dev, Ino: s.Ino, Nlink: s.Nlink, Rdev: s.Rdev,
		Mode: s.Mode, Uid: s.Uid, Gid: s.Gid,
		Size: s.Size, Blksize: s.Blksize, Blocks: s.Blocks,
		Atim: Timespec{s.Atim.Sec, s.Atim.Nsec},
		Mtim: Timespec{s.Mtim.Sec, s.Mtim.Nsec},
		Ctim: Timespec{s.Ctim.Sec, s.Ctim.Nsec},
	}
}

// Statfs reports the cache filesystem's space.
func (p *Profile) Statfs() (Statfs, error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(p.root, &s); err != nil {
		return Statfs{}, &fs.PathError{Op: "statfs", Path: p.root, Err: err}
	}
	return Statfs{
		Type: s.Type, Bsize: s.Bsize, Frsize: s.Frsize, Namelen: s.Namelen,
		Blocks: s.Blocks, Bfree: s.Bfree, Bavail: s.Bavail, Files: s.Files, Ffree: s.Ffree,
	}, nil
}

// freeBytes is the space left to an unprivileged writer on the cache's disk.
func (p *Profile) freeBytes() (int64, error) {
	s, err := p.Statfs()
	return int64(s.Bavail) * s.Bsize, err
}
