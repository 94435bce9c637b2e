// Package overlay is the mounted view of a roaming profile over its local cache.
//
// It offers POSIX operations by profile-relative path and by open handle, decides
// which paths roam (policy exclusions) and records every mutating operation on a
// roaming path in the change journal before the operation is acknowledged to the
// caller. It holds no FUSE types: the go-fuse adapter and the cgofuse one (WinFsp)
// translate their requests into these calls, so both front ends share one set of
// profile rules.
//
// Two backends reach the cache, with one API and one set of journaling rules,
// in the files named for neither backend (journaling.go, handle_journal.go,
// entry_journal.go, setattr_journal.go, hivegate.go, space.go, storedpath.go,
// attr.go, diskfull_*.go). A backend supplies what the interfaces backend and
// backendHandle in backend.go list, with their contract, and pins that at
// compile time:
//
//   - Linux (linux && !roamfs_portable): every operation resolves paths relative
//     to a directory file descriptor opened beneath the cache root with
//     openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS): a deep tree never overflows
//     PATH_MAX the way root+path strings do, and a symlink in the profile can
//     never lead the daemon outside the cache. Handles expose their descriptor
//     for FUSE passthrough. Files: linux_*.go.
//   - portable (every other OS, and Linux with -tags roamfs_portable so the code
//     Windows runs is tested on every CI run): Go's os.Root, which also walks
//     one component at a time and never leaves the root. Files: portable_*.go.
//     What it cannot do answers ENOTSUP, which errors.Is also reports as
//     errors.ErrUnsupported: xattrs, mknod of anything but a regular file,
//     RENAME_EXCHANGE, fallocate modes other than the default, a directory
//     descriptor (OpenDir; OpenDirFile works), utimes of a symlink or of an
//     open file that lost its name. Fd is -1: no passthrough. SEEK_DATA and
//     SEEK_HOLE answer as for a file without holes; RENAME_NOREPLACE is a
//     check before the rename.
package overlay
