//go:build linux && !roamfs_portable

package overlay

import "golang.org/x/sys/unix"

// Stat and Statfs name the metadata the overlay returns, so that a front end
// built for every platform (fs/cgofuse) can convert them with one function.
// On Linux they are the kernel's own structures.
type (
	Stat   = unix.Stat_t
	Statfs = unix.Statfs_t
)
