package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"roamfs/cachedir"
	"roamfs/fs/gofuse"
	"roamfs/overlay"
)

// mountProfile serves the profile through go-fuse. The FUSE source names the
// cache, which is how `roamfs logoff MOUNTPOINT` finds the session.
func mountProfile(mnt string, p *overlay.Profile, l cachedir.Layout, debug bool) (mounted, error) {
	// The kernel has applied the caller's umask already; the daemon must not
	// apply its own on top.
	unix.Umask(0)
	return gofuse.Mount(mnt, p, gofuse.Options{FsName: l.Dir, Debug: debug})
}

// checkMountPoint: FUSE mounts over an existing directory.
func checkMountPoint(mnt string) error {
	if fi, err := os.Stat(mnt); err != nil || !fi.IsDir() {
		return fmt.Errorf("mount point %s is not a directory", mnt)
	}
	return nil
}
