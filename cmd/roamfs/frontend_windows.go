package main

import (
	"fmt"
	"os"
	"path/filepath"

	"roamfs/cachedir"
	"roamfs/fs/cgofuse"
	"roamfs/overlay"
	"roamfs/session"
)

// mountProfile serves the profile through WinFsp. Windows has no mount table
// naming the source, so the session records its mount in the machine's mount
// list for `roamfs logoff MOUNTPOINT`. It is the session's MountFunc.
func mountProfile(mnt string, p *overlay.Profile, l cachedir.Layout, debug bool) (session.Mounted, error) {
	h, err := cgofuse.Mount(mnt, p, cgofuse.Options{FsName: l.Dir, Debug: debug})
	if err != nil {
		return nil, err
	}
	if err := recordMount(mnt, l.Dir); err != nil {
		h.Unmount()
		return nil, fmt.Errorf("record mount %s: %w", mnt, err)
	}
	return &recordedMount{Host: h, mnt: mnt}, nil
}

// recordedMount forgets its mount-list entry once the mount is gone.
type recordedMount struct {
	*cgofuse.Host
	mnt string
}

func (m *recordedMount) Wait() {
	m.Host.Wait()
	forgetMount(m.mnt)
}

// checkMountPoint: WinFsp mounts on a drive letter ("R:") or creates the
// mount point folder itself, so a folder must not be there yet; its parent
// must.
func checkMountPoint(mnt string) error {
	if len(mnt) == 2 && mnt[1] == ':' {
		return nil
	}
	if _, err := os.Lstat(mnt); err == nil {
		return fmt.Errorf("mount point %s already exists: WinFsp mounts only on a folder that does not exist yet (or a free drive letter)", mnt)
	}
	if fi, err := os.Stat(filepath.Dir(mnt)); err != nil || !fi.IsDir() {
		return fmt.Errorf("mount point %s: its parent folder does not exist", mnt)
	}
	return nil
}
