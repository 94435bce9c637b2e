//go:build unix

package syncer

import "syscall"

// oNofollow refuses a symlink as the last name of a cache file being uploaded:
// the walk saw a file there, and a swap to a link must not upload its target.
const oNofollow = syscall.O_NOFOLLOW
