//go:build !linux || roamfs_portable

package overlay

import (
	"io/fs"
	"os"
	"time"

	"roamfs/internal/entry"
)

// POSIX file types (stat(2)'s st_mode & S_IFMT), which FUSE speaks on every
// OS, against Go's fs.FileMode bits for them, the first match winning (a
// character device also has fs.ModeDevice set).
const sIFMT = 0o170000

// modeBit is one file type of st_mode and its fs.FileMode bit.
type modeBit struct {
	posix  uint32
	goMode fs.FileMode
}

var posixTypes = []modeBit{
	{0o040000, fs.ModeDir},
	{0o120000, fs.ModeSymlink},
	{0o010000, fs.ModeNamedPipe},
	{0o140000, fs.ModeSocket},
	{0o020000, fs.ModeCharDevice},
	{0o060000, fs.ModeDevice},
}

const (
	sIFREG = 0o100000
	sIFDIR = 0o040000
	sIFLNK = 0o120000
)

// posixMode is m as st_mode: the file type, then the permissions in the one
// POSIX mapping the syncer's versions use too (entry.ToPOSIX).
func posixMode(m fs.FileMode) uint32 {
	t := uint32(sIFREG)
	for _, pt := range posixTypes {
		if m&pt.goMode != 0 {
			t = pt.posix
			break
		}
	}
	return t | entry.ToPOSIX(m)
}

// fileMode is the permission part of st_mode as Go's os package takes it.
func fileMode(mode uint32) os.FileMode { return entry.FromPOSIX(mode) }

func timespec(t time.Time) Timespec {
	return Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// genericStat is what any FileInfo tells; each OS adds what its Sys() knows.
func genericStat(fi fs.FileInfo) Stat {
	mt := timespec(fi.ModTime())
	return Stat{
		Mode:    posixMode(fi.Mode()),
		Nlink:   1,
		Size:    fi.Size(),
		Blksize: 4096,
		Blocks:  (fi.Size() + 511) / 512,
		Atim:    mt,
		Mtim:    mt,
		Ctim:    mt,
	}
}

// timeOrZero is a SETATTR time for os.Root.Chtimes, where the zero time
// leaves that time alone (UTIME_OMIT).
func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
