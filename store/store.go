// Package store is the server copy of a roaming profile (\\server\profiles\alice
// on Windows; any directory, typically a mounted share, here).
//
// The syncer reads the server copy at logon and applies the journaled changes to it
// at logoff through the Store interface, so that other transports (SMB) can plug in
// later. Dir is the directory implementation and Retry a decorator that retries
// transient errors; the fault-injecting decorator the reliability tests use,
// Faulty, lives in storetest, out of the product build.
//
// A server copy is not trusted: another machine, or a hostile user with access to
// the share, may have filled it with symlinks pointing elsewhere or may swap files
// while roamfs works on it. Dir never reads or writes outside its directory and never
// follows a symlink, at any component of a path.
package store

import (
	"context"
	"io"
	"io/fs"
	"time"

	"roamfs/internal/entry"
)

// TempPrefix starts the name of every temporary entry Put and Symlink create next to
// their destination. An interrupted Put leaves one behind; CleanTemp removes them.
// Windows' background hive upload uses NTUSER.DAT.{GUID}.tmp the same way.
const TempPrefix = ".roamfs-tmp-"

// Kind is the type of an entry of the server copy: the one definition in
// package entry, shared with the journal and the syncer.
type Kind = entry.Kind

const (
	KindNone    = entry.KindNone    // no entry (the zero Info)
	KindFile    = entry.KindFile    // regular file
	KindDir     = entry.KindDir     // directory
	KindSymlink = entry.KindSymlink // symbolic link, never followed
	KindOther   = entry.KindOther   // device, FIFO, socket...: never read or written
)

// Info describes one entry of the server copy.
type Info struct {
	// Path is relative to the profile root, '/'-separated ("" = the root itself).
	Path string
	Kind Kind
	// Size is the length of a regular file or of a symlink's target; 0 for
	// directories and other kinds, whose sizes differ between filesystems and
	// mean nothing to a merge.
	Size int64
	// MTime has full nanosecond precision as the filesystem holds it.
	MTime time.Time
	// Mode holds permission bits only: 0o777 plus fs.ModeSetuid, fs.ModeSetgid
	// and fs.ModeSticky.
	Mode fs.FileMode
	// Target is the verbatim target of a KindSymlink.
	Target string
	// Allocated is the space a KindFile takes on the server, when the store
	// knows it (-1 otherwise): much less than Size means a sparse file.
	Allocated int64
}

// ModeBits are the bits of an fs.FileMode that Info.Mode reports and that Put and
// Mkdir set; others are ignored.
const ModeBits = entry.ModeBits

// Store is the server copy of one user's profile.
//
// Callers. The syncer reads it at logon (Walk, Stat and Open to download; Mkdir
// and Put to create a new profile from the default one), writes it at logoff (Stat
// to compare the server with the base version, then Put, Mkdir, Symlink, Remove and
// SetTimes to apply each pending change), and the hive stream Puts NTUSER.DAT in
// the background while the user is logged on. Calls may come from several
// goroutines at once: implementations must be safe for concurrent use. Two
// concurrent mutations of the same path leave one of the two results, never a mix.
//
// Paths. rel is relative to the profile root, '/'-separated and clean: no leading
// '/', no "." or ".." component, no empty component, no NUL; "" is the root. Any
// other rel is rejected with an error wrapping ErrInvalidPath before anything is
// touched. Names are used exactly as given: case folding is the syncer's business.
//
// Symlinks are never followed. The store's namespace is the tree reached from the
// root through real directories; a path that passes through a symlink or a file
// does not exist in it (its error wraps both fs.ErrNotExist and ErrNotDir), so a
// hostile server copy cannot lead a read or a write outside the profile.
//
// Idempotency. Put, Mkdir, Symlink, Remove, SetTimes and CleanTemp may be
// repeated: calling one again after it succeeded, or after it failed with an
// unknown outcome (a crash, a lost connection), leaves the same server state as
// calling it once. That is what lets the syncer replay an interrupted logoff's
// journal. Stat, Walk and Open have no side effects.
//
// Atomicity and durability. Put and Symlink replace an entry with one rename: a
// reader sees the old entry or the new one, never a torn file; a failure may leave
// a TempPrefix entry behind, which CleanTemp removes. When Put, Mkdir, Symlink or
// Remove returns nil the change has been flushed to stable storage as far as the
// filesystem honours fsync; SetTimes is not flushed on its own.
//
// Errors carry the operation and the path. Absent paths wrap fs.ErrNotExist.
// Permanent errors (repeating the call cannot help; the caller must decide) wrap
// ErrInvalidPath, fs.ErrNotExist, ErrNotDir, ErrIsDir, ErrNotRegular, ErrNotEmpty,
// fs.ErrExist, fs.ErrPermission or fs.ErrInvalid; see IsPermanent. A cancelled
// context gives an error wrapping the context's error. Any other error (an I/O
// error, a share that went away, ErrChanged when an entry changed under the call)
// may be transient, and because every method is idempotent a retrying decorator
// may simply call it again.
type Store interface {
	// Stat describes rel without following a final symlink. Absent → error
	// wrapping fs.ErrNotExist.
	Stat(ctx context.Context, rel string) (Info, error)

	// Walk calls fn for every entry under rel (rel itself excluded; "" = the whole
	// profile), parents before children, the entries of one directory in lexical
	// (byte) order, never following symlinks into directories. fn returning
	// fs.SkipDir for a directory skips its contents; for another entry it skips the
	// rest of that entry's directory. fs.SkipAll ends the walk with a nil error.
	// Any other error from fn ends the walk and is returned as is. rel must be a
	// directory: the error for an absent rel wraps fs.ErrNotExist, for another
	// kind ErrNotDir (and fs.ErrNotExist too: nothing lies below it). Entries
	// removed while the walk runs are left out silently; a directory replaced
	// while the walk runs fails it with ErrChanged.
	Walk(ctx context.Context, rel string, fn func(Info) error) error

	// Open opens the regular file rel for reading, without following symlinks. A
	// symlink, directory or special file → error wrapping ErrNotRegular. The Info
	// describes the file actually opened. The caller closes the reader.
	Open(ctx context.Context, rel string) (io.ReadCloser, Info, error)

	// Put atomically creates or replaces the regular file rel with the bytes of r:
	// they are written to a temporary name in the same directory (TempPrefix +
	// random), the file gets mode (ModeBits) and mtime (atime too; a zero mtime
	// keeps the time of writing), it is fsynced, renamed over rel, and the directory
	// is fsynced. The parent directory must exist. If rel is a directory the error
	// wraps ErrIsDir (the caller removes it first); a symlink at rel is replaced,
	// not followed.
	Put(ctx context.Context, rel string, r io.Reader, mode fs.FileMode, mtime time.Time) error
	// PutVia is Put with the caller's temporary name (a bare name in rel's
	// directory), for files whose upload protocol names it, as Windows names a
	// hive upload NTUSER.DAT.{GUID}.tmp. An existing file of that name fails.
	PutVia(ctx context.Context, rel, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error

	// Mkdir creates directory rel with mode (ModeBits, not masked by the umask); an
	// existing directory is not an error and gets mode. Another kind of entry at rel
	// → error wrapping fs.ErrExist. The parent must exist.
	Mkdir(ctx context.Context, rel string, mode fs.FileMode) error

	// Symlink atomically creates or replaces rel as a symlink to target (temporary
	// name + rename). The target is stored verbatim and never resolved. If rel is a
	// directory the error wraps ErrIsDir.
	Symlink(ctx context.Context, target, rel string) error

	// Remove deletes a file, symlink or empty directory. Already absent (including
	// a parent that is absent or not a directory) is not an error. A non-empty
	// directory → error wrapping ErrNotEmpty.
	Remove(ctx context.Context, rel string) error

	// SetTimes sets the mtime, and the atime to the same, of rel without following
	// a final symlink. A zero mtime → error wrapping fs.ErrInvalid.
	SetTimes(ctx context.Context, rel string, mtime time.Time) error

	// CleanTemp removes the TempPrefix files and symlinks an interrupted Put or
	// Symlink left anywhere in the profile and returns how many it removed. It also
	// removes the temporary entry of a Put still running, on this machine or
	// another: call it when this machine owns the profile, before a sync starts.
	CleanTemp(ctx context.Context) (int, error)

	// Root describes where the server copy is (the directory path), for messages.
	Root() string
}

// Limits is implemented by a Store that keeps less of an entry than a POSIX
// directory does: an SMB share keeps no permission bits, its times have the
// share's granularity (100 ns on NTFS and Samba, 2 s on a FAT-backed share),
// and it compares names case-insensitively. The syncer compares versions at
// the server's fidelity (Kept) so that it sees no change where there is none.
// Decorators pass it through (LimitsOf unwraps them).
type Limits interface {
	// Kept returns the mode and mtime Stat reports for an entry of kind
	// written with mode and mtime.
	Kept(kind Kind, mode fs.FileMode, mtime time.Time) (fs.FileMode, time.Time)
	// FoldsCase reports whether the server takes two names that differ only
	// in case for the same name.
	FoldsCase() bool
}

// LimitsOf returns s's Limits, looking through decorators that have an
// Unwrap method; nil for a store that keeps everything (Dir).
func LimitsOf(s Store) Limits {
	for s != nil {
		if l, ok := s.(Limits); ok {
			return l
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			return nil
		}
		s = u.Unwrap()
	}
	return nil
}
