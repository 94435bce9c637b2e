//go:build !linux || roamfs_portable

package overlay

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"go.uber.org/zap"

	"roamfs/policy"
)

// Profile is the mounted profile: the cache directory plus the journal.
//
// This backend reaches the cache through os.Root, which resolves one
// component at a time beneath the root (no PATH_MAX limit, no way out of the
// cache) on Linux and Windows alike. Unlike openat2(RESOLVE_NO_SYMLINKS) it
// follows a symlink that stays inside the root, so opening a symlink opens its
// target; FUSE hosts resolve symlinks before they open, so only a name that
// became a symlink since can be affected, and it cannot lead outside.
type Profile struct {
	core
	dir *os.Root
}

// The portable backend keeps the contract the shared code relies on (backend.go).
var (
	_ backend       = (*Profile)(nil)
	_ backendHandle = (*Handle)(nil)
)

// New opens the profile rooted at dir. The journal receives a record for every
// change to a roaming path; session tags those records.
func New(dir string, j Journal, pol *policy.Policy, session string, log *zap.Logger) (*Profile, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open profile root %s: %w", dir, err)
	}
	return &Profile{core: newCore(dir, j, pol, session, log), dir: r}, nil
}

// Close releases the root. Open handles must be released first.
func (p *Profile) Close() error {
	return p.dir.Close()
}

// name is rel as os.Root takes it: "." for the root, the OS's separators.
func name(rel string) string {
	if rel == "" {
		return "."
	}
	return filepath.FromSlash(rel)
}

// chown gives a new entry to its creator when the daemon runs as root (never
// on Windows, where WinFsp maps every file to the mounting user).
func (p *Profile) chown(rel string, o *Owner) error {
	if o == nil || !p.asRoot {
		return nil
	}
	return p.dir.Lchown(name(rel), int(o.UID), int(o.GID))
}

// notSupported is this backend's answer to an operation os.Root cannot do:
// ENOTSUP, which errors.Is also reports as errors.ErrUnsupported.
func notSupported(op, rel string) error {
	return fmt.Errorf("%s %s: %w", op, rel, syscall.ENOTSUP)
}
