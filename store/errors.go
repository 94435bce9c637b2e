package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
)

// Errors a Store returns, wrapped with the operation and the path. All but
// ErrChanged are permanent; see Store and IsPermanent.
var (
	// ErrInvalidPath: rel is not a clean relative '/'-separated path inside the profile.
	ErrInvalidPath = errors.New("invalid profile path")
	// ErrNotDir: a component of the path, or Walk's rel, is not a directory. A
	// symlink to a directory is not one either: symlinks are never followed.
	ErrNotDir = errors.New("not a directory")
	// ErrIsDir: Put or Symlink would replace a directory.
	ErrIsDir = errors.New("is a directory")
	// ErrNotRegular: Open of a symlink, directory or special file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrNotEmpty: Remove of a directory that still has entries.
	ErrNotEmpty = errors.New("directory not empty")
	// ErrChanged: an entry was replaced between being examined and being opened
	// (another machine's sync, or a hostile swap). Transient: retry.
	ErrChanged = errors.New("entry changed while being opened")
	// ErrCredentials: the server refused the user name or the password (wrong,
	// expired, locked out). Permanent: trying the same password again can
	// only lock the account.
	ErrCredentials = errors.New("the server refused the credentials")
)

// IsPermanent reports whether err is one that repeating the same Store call cannot
// cure. Context cancellation counts as permanent: the caller gave up.
func IsPermanent(err error) bool {
	for _, target := range []error{
		ErrInvalidPath, ErrCredentials, ErrPrecondition, ErrNotDir, ErrIsDir, ErrNotRegular, ErrNotEmpty,
		fs.ErrNotExist, fs.ErrExist, fs.ErrPermission, fs.ErrInvalid,
		context.Canceled, context.DeadlineExceeded,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// notDirError is a path component that is a file, symlink or special file. In
// the store's namespace nothing lies below it, so the error is both ErrNotDir and
// fs.ErrNotExist: Stat reports the path absent, Remove treats it as removed.
type notDirError struct {
	path string // the component, relative to the profile root
	kind Kind
}

func (e *notDirError) Error() string {
	return fmt.Sprintf("%q is a %s, not a directory (symlinks are never followed)", e.path, e.kind)
}

func (e *notDirError) Is(target error) bool {
	return target == ErrNotDir || target == fs.ErrNotExist
}

// Operation names, as errors show them and storetest.Faulty.FailOn receives them.
const (
	OpStat      = "stat"
	OpWalk      = "walk"
	OpOpen      = "open"
	OpPut       = "put"
	OpMkdir     = "mkdir"
	OpSymlink   = "symlink"
	OpRemove    = "remove"
	OpSetTimes  = "settimes"
	OpCleanTemp = "cleantemp"
)

// opError wraps err with the operation and the path, the one shape every Dir error has.
func opError(op, rel string, err error) error {
	return fmt.Errorf("store: %s %q: %w", op, rel, err)
}
