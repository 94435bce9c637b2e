//go:build linux && !roamfs_portable

package overlay

import (
	"fmt"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"roamfs/policy"
)

// Profile is the mounted profile: the cache directory plus the journal.
type Profile struct {
	core
	rootFd int
}

// The Linux backend keeps the contract the shared code relies on (backend.go).
var (
	_ backend       = (*Profile)(nil)
	_ backendHandle = (*Handle)(nil)
)

// New opens the profile rooted at dir. The journal receives a record for every
// change to a roaming path; session tags those records.
func New(dir string, j Journal, pol *policy.Policy, session string, log *zap.Logger) (*Profile, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open profile root %s: %w", dir, err)
	}
	return &Profile{core: newCore(dir, j, pol, session, log), rootFd: fd}, nil
}

// Close releases the root descriptor. Open handles must be released first.
func (p *Profile) Close() error {
	return unix.Close(p.rootFd)
}
