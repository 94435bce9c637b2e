package overlay

import (
	"io/fs"
	"syscall"

	"golang.org/x/sys/windows"
)

// statOf is fi as stat(2) would give it. Windows has no inode number or link
// count in what FindFirstFile and GetFileAttributesEx return: st_ino is 0 and
// st_nlink 1; the change time
// is the last write time.
func statOf(fi fs.FileInfo) Stat {
	st := genericStat(fi)
	if d, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok {
		st.Atim = filetime(d.LastAccessTime)
		st.Mtim = filetime(d.LastWriteTime)
		st.Ctim = st.Mtim
	}
	return st
}

func filetime(ft syscall.Filetime) Timespec {
	ns := ft.Nanoseconds()
	return Timespec{Sec: ns / 1e9, Nsec: ns % 1e9}
}

// clusterSize is the block size reported for the cache's volume: NTFS's
// default cluster.
const clusterSize = 4096

// Statfs reports the cache volume's space.
func (p *Profile) Statfs() (Statfs, error) {
	dir, err := windows.UTF16PtrFromString(p.root)
	if err != nil {
		return Statfs{}, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(dir, &avail, &total, &free); err != nil {
		return Statfs{}, &fs.PathError{Op: "GetDiskFreeSpaceEx", Path: p.root, Err: err}
	}
	return Statfs{
		Bsize: clusterSize, Frsize: clusterSize, Namelen: 255,
		Blocks: total / clusterSize, Bfree: free / clusterSize, Bavail: avail / clusterSize,
	}, nil
}

// freeBytes is the space left to this user on the cache's volume.
func (p *Profile) freeBytes() (int64, error) {
	s, err := p.Statfs()
	return int64(s.Bavail) * s.Bsize, err
}
