//go:build linux && fuse3 && cgo && roamfs_portable

package cgofuse

import "roamfs/fs/fstest"

// overlayCaps: the portable overlay backend (os.Root, what Windows runs) keeps
// no extended attributes; the suite checks that it says ENOTSUP instead.
var overlayCaps = fstest.Caps{Xattr: false}
