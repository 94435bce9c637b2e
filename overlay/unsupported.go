//go:build !linux

package overlay

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"go.uber.org/zap"

	"roamfs/journal"
	"roamfs/policy"
)

// The overlay serves the cache through Linux-only calls (openat2 beneath the
// root, renameat2, fallocate). On other systems this file keeps the package's
// API compiling, so the front ends that must cross-build (fs/cgofuse for
// WinFsp) do, and New fails: there is no profile to serve until this platform
// has its own implementation. Keep the declarations here in step with the
// Linux files.

// ErrUnsupported is what New returns on a platform without an overlay.
var ErrUnsupported = fmt.Errorf("overlay on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// ErrHiveBusy reports that the hive stayed open for writing for the whole wait.
var ErrHiveBusy = errors.New("hive is held open for writing")

// Journal is the part of the change journal the overlay needs.
type Journal interface {
	Append(recs ...journal.Record) ([]journal.Record, error)
}

// Owner is the user a new file, directory or symlink is given to.
type Owner struct {
	UID, GID uint32
}

// Attr is a SETATTR request: nil fields are left alone.
type Attr struct {
	Mode         *uint32
	UID, GID     *uint32
	Size         *uint64
	Atime, Mtime *time.Time
}

// Timespec, Stat and Statfs carry the fields of Linux's structures that the
// front ends read.
type Timespec struct{ Sec, Nsec int64 }

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

// Profile is the mounted profile; New never returns one here.
type Profile struct{}

// Handle is an open file; never handed out here.
type Handle struct{}

// New fails with ErrUnsupported.
func New(dir string, j Journal, pol *policy.Policy, session string, log *zap.Logger) (*Profile, error) {
	return nil, ErrUnsupported
}

func (p *Profile) Root() string          { return "" }
func (p *Profile) Close() error          { return ErrUnsupported }
func (p *Profile) Roams(rel string) bool { return false }

func (p *Profile) Open(rel string, flags int) (*Handle, error) { return nil, ErrUnsupported }
func (p *Profile) Create(rel string, flags int, mode uint32, o *Owner) (*Handle, Stat, error) {
	return nil, Stat{}, ErrUnsupported
}
func (p *Profile) Lstat(rel string) (Stat, error) { return Stat{}, ErrUnsupported }
func (p *Profile) Mkdir(rel string, mode uint32, o *Owner) (Stat, error) {
	return Stat{}, ErrUnsupported
}
func (p *Profile) Symlink(target, rel string, o *Owner) (Stat, error) { return Stat{}, ErrUnsupported }
func (p *Profile) Mknod(rel string, mode, dev uint32, o *Owner) (Stat, error) {
	return Stat{}, ErrUnsupported
}
func (p *Profile) Unlink(rel string) error                          { return ErrUnsupported }
func (p *Profile) Rmdir(rel string) error                           { return ErrUnsupported }
func (p *Profile) Rename(oldRel, newRel string, flags uint32) error { return ErrUnsupported }
func (p *Profile) Link(existingRel, newRel string) (Stat, error)    { return Stat{}, ErrUnsupported }
func (p *Profile) Readlink(rel string) ([]byte, error)              { return nil, ErrUnsupported }
func (p *Profile) OpenDir(rel string) (int, error)                  { return -1, ErrUnsupported }
func (p *Profile) Statfs() (Statfs, error)                          { return Statfs{}, ErrUnsupported }
func (p *Profile) Setattr(rel string, a Attr) (Stat, error)         { return Stat{}, ErrUnsupported }
func (p *Profile) Getxattr(rel, attr string, dest []byte) (int, error) {
	return 0, ErrUnsupported
}
func (p *Profile) Listxattr(rel string, dest []byte) (int, error)          { return 0, ErrUnsupported }
func (p *Profile) Setxattr(rel, attr string, data []byte, flags int) error { return ErrUnsupported }
func (p *Profile) Removexattr(rel, attr string) error                      { return ErrUnsupported }
func (p *Profile) SnapshotHive(rel, dst string, wait time.Duration) (int64, time.Time, error) {
	return 0, time.Time{}, ErrUnsupported
}

func (h *Handle) Fd() int                                                 { return -1 }
func (h *Handle) ReadAt(buf []byte, off int64) (int, error)               { return 0, ErrUnsupported }
func (h *Handle) WriteAt(data []byte, off int64) (int, error)             { return 0, ErrUnsupported }
func (h *Handle) Stat() (Stat, error)                                     { return Stat{}, ErrUnsupported }
func (h *Handle) Seek(off int64, whence int) (int64, error)               { return 0, ErrUnsupported }
func (h *Handle) Allocate(rel string, off, size int64, mode uint32) error { return ErrUnsupported }
func (h *Handle) Flush() error                                            { return ErrUnsupported }
func (h *Handle) Fsync(rel string, dataOnly bool) error                   { return ErrUnsupported }
func (h *Handle) Release(rel string) error                                { return ErrUnsupported }
func (h *Handle) Setattr(rel string, a Attr) (Stat, error)                { return Stat{}, ErrUnsupported }
