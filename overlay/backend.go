package overlay

import "os"

// backend is the contract between the shared code (the journaling, the hive
// gate, the space check, StoredPath) and a way into the cache: the Linux
// backend (linux_*.go, openat2 beneath a root descriptor) and the portable
// one (portable_*.go, os.Root). *Profile implements it once per build, and
// each backend pins that with a compile-time assertion, so a method that one
// backend lacks or spells differently fails the build of that backend, not a
// test on the OS that happens to compile it.
//
// Every path is profile-relative, slash-separated, "" for the root, and its
// lookup never leaves the cache: the Linux backend refuses a symlink anywhere
// along it, the portable one follows only symlinks that stay inside the root.
// Errors are or wrap the OS's own (*os.PathError, syscall.Errno), so
// errors.Is(err, fs.ErrNotExist) and the front ends' errno translation work
// on them. What a backend cannot do answers ENOTSUP (which errors.Is also
// reports as errors.ErrUnsupported), never a silent no-op. The lower-case methods neither journal nor check the space: the
// shared upper-case callers do that around them (entry_journal.go,
// handle_journal.go, setattr_journal.go).
type backend interface {
	// Close releases the way into the cache. Open handles are released first.
	Close() error

	// Lstat describes rel without following a final symlink.
	Lstat(rel string) (Stat, error)
	// Readlink returns the target of symlink rel, verbatim.
	Readlink(rel string) ([]byte, error)
	// OpenDir opens directory rel for listing and gives its descriptor to
	// the caller (the go-fuse front end reads it with getdents).
	OpenDir(rel string) (int, error)
	// OpenDirFile opens directory rel for listing as a file the caller
	// closes; every backend can do this.
	OpenDirFile(rel string) (*os.File, error)
	// Statfs reports the space of the cache's file system.
	Statfs() (Statfs, error)
	// Getxattr reads attribute attr into dest (a size probe when dest is
	// empty) and Listxattr lists the names; both as getxattr(2) and
	// listxattr(2) answer.
	Getxattr(rel, attr string, dest []byte) (int, error)
	Listxattr(rel string, dest []byte) (int, error)

	// mkdir, symlink and mknod make rel's entry, give it to o when the
	// daemon runs as root (o may be nil) and describe it. Entry_journal.go
	// journals the entry once it exists.
	mkdir(rel string, mode uint32, o *Owner) (Stat, error)
	symlink(target, rel string, o *Owner) (Stat, error)
	mknod(rel string, mode, dev uint32, o *Owner) (Stat, error)
	// remove removes rel, which must be a directory if dir is set (rmdir)
	// and must not be one otherwise (unlink).
	remove(rel string, dir bool) error
	// rename calls before with the size of what oldRel names and, unless it
	// fails, renames oldRel to newRel with renameat2's flags: the journal
	// records a rename before it is done (entry_journal.go says why).
	rename(oldRel, newRel string, flags uint32, before func(size int64) error) error
	// link makes newRel a hard link to existingRel and describes it.
	link(existingRel, newRel string) (Stat, error)
	// setattr applies a by path and describes rel afterwards. A size change
	// goes through p.truncated, which holds the hive gate and journals it;
	// the rest is journaled by Setattr.
	setattr(rel string, a Attr) (Stat, error)
	// setxattr and removexattr change an extended attribute.
	setxattr(rel, attr string, data []byte, flags int) error
	removexattr(rel, attr string) error

	// openFile opens the existing file rel with flags (os.O_*) and
	// createFile creates it (flags hold O_CREATE), gives it to o and
	// describes it; both fill the handle's handleState with
	// p.newHandleState. Handle_journal.go journals the open.
	openFile(rel string, flags int) (*Handle, error)
	createFile(rel string, flags int, mode uint32, o *Owner) (*Handle, Stat, error)
	// openSnapshot opens hive file rel for reading while the hive gate is
	// frozen (hivegate.go).
	openSnapshot(rel string) (*os.File, error)
	// freeBytes is the space left to an unprivileged writer on the cache's
	// disk, for the low-space check (space.go); an error means "unknown"
	// and never refuses an operation.
	freeBytes() (int64, error)
}

// backendHandle is the contract for an open file, *Handle, which each
// backend defines with handleState embedded (handle_journal.go journals
// through it) and pins as it pins *Profile. Reads and writes are not
// journaled here: the path was marked dirty at open.
type backendHandle interface {
	// Fd is the cache file's descriptor for FUSE passthrough, or -1 when
	// the backend has none (the daemon then serves reads and writes).
	Fd() int
	// ReadAt and WriteAt read and write at off, without a file offset of
	// their own; a short read at the end of the file is not an error.
	ReadAt(buf []byte, off int64) (int, error)
	WriteAt(data []byte, off int64) (int, error)
	// Stat describes the open file, which may have lost its name.
	Stat() (Stat, error)
	// Seek answers lseek, including SEEK_DATA and SEEK_HOLE.
	Seek(off int64, whence int) (int64, error)
	// Flush runs at every close(2) of a descriptor sharing the handle.
	Flush() error

	// allocate is fallocate(2) with its mode; Allocate journals the result.
	allocate(off, size int64, mode uint32) error
	// sync is fsync(2), or fdatasync(2) when dataOnly; Fsync journals.
	sync(dataOnly bool) error
	// close closes the file, once, when the handle is released.
	close() error
	// setattr applies a through the handle and describes the file
	// afterwards; rel is its current path, "" when it was unlinked.
	setattr(rel string, a Attr) (Stat, error)
}
