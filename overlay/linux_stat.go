//go:build linux && !roamfs_portable

package overlay

import "golang.org/x/sys/unix"

// Statfs reports the cache filesystem's space.
func (p *Profile) Statfs() (unix.Statfs_t, error) {
	var s unix.Statfs_t
	return s, unix.Fstatfs(p.rootFd, &s)
}

// freeBytes is the space left to an unprivileged writer on the cache's disk.
func (p *Profile) freeBytes() (int64, error) {
	var s unix.Statfs_t
	if err := unix.Fstatfs(p.rootFd, &s); err != nil {
		return 0, err
	}
	return int64(s.Bavail) * int64(s.Bsize), nil
}
