//go:build linux && fuse3 && cgo && !roamfs_portable

package cgofuse

import "roamfs/fs/fstest"

// overlayCaps: the Linux overlay backend can do everything the suite asks.
var overlayCaps = fstest.AllCaps
