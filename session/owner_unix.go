//go:build !windows

package session

import (
	"os"
	"syscall"

	"roamfs/cachedir"
	"roamfs/syncer"
)

// cacheOwner is the profile's user as the cache records it: logon gives the
// cache's profile folder to the user it serves (logon --user). A sync run
// without the session (`roamfs sync` as root, a logoff that finds its daemon
// dead) gives what it brings into the cache to them too, as the session
// would. nil when this process is that user, or the folder cannot be read.
func cacheOwner(l cachedir.Layout) *syncer.Owner {
	fi, err := os.Stat(l.Profile())
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return nil
	}
	return &syncer.Owner{UID: int(st.Uid), GID: int(st.Gid)}
}
