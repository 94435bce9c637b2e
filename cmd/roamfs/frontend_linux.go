package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"roamfs/cachedir"
	"roamfs/fs/gofuse"
	"roamfs/overlay"
	"roamfs/session"
)

// mountProfile serves the profile through go-fuse. The FUSE source names the
// cache, which is how `roamfs logoff MOUNTPOINT` finds the session.
// It is the session's MountFunc.
func mountProfile(mnt string, p *overlay.Profile, l cachedir.Layout, debug bool) (session.Mounted, error) {
	// The kernel has applied the caller's umask already; the daemon must not
	// apply its own on top.
	unix.Umask(0)
	srv, err := gofuse.Mount(mnt, p, gofuse.Options{FsName: l.Dir, Debug: debug})
	if err != nil {
		return nil, err // not a nil *Server in a non-nil interface
	}
	return srv, nil
}

// checkMountPoint: FUSE mounts over an existing directory.
func checkMountPoint(mnt string) error {
	if fi, err := os.Stat(mnt); err != nil || !fi.IsDir() {
		return fmt.Errorf("mount point %s is not a directory", mnt)
	}
	return nil
}
