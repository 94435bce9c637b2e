//go:build !linux || roamfs_portable

package overlay

// Timespec, Stat and Statfs carry the fields of Linux's structures, under
// the same names, so one function in each front end converts both backends'.
type Timespec struct{ Sec, Nsec int64 }

// Unix is the time in seconds and nanoseconds, as unix.Timespec gives it.
func (t Timespec) Unix() (sec, nsec int64) { return t.Sec, t.Nsec }

type Stat struct {
	Dev, Ino, Nlink, Rdev uint64
	Mode, Uid, Gid        uint32
	Size, Blksize, Blocks int64
	Atim, Mtim, Ctim      Timespec
}

type Statfs struct {
	Type, Bsize, Frsize, Namelen        int64
	Blocks, Bfree, Bavail, Files, Ffree uint64
}
