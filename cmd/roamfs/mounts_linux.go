package main

import (
	"path/filepath"

	"roamfs/internal/mountinfo"
)

// mountSource returns the source of a roamfs mount at mnt: the cache directory
// (the daemon puts it there as the FUSE fsname).
func mountSource(mnt string) (string, bool) {
	abs, err := filepath.Abs(mnt)
	if err != nil {
		return "", false
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	ms, _ := mountinfo.Read()
	for _, m := range ms {
		if m.Dir == abs && m.FSType == "fuse.roamfs" {
			return m.Source, true
		}
	}
	return "", false
}

// logoffSource: the kernel keeps a killed daemon's FUSE mount in mountinfo
// until it is detached, so logoff finds a dead session as it finds a live one.
func logoffSource(mnt string) (string, bool) { return mountSource(mnt) }

// forgetDeadMount: detachDeadMount already removed the mount; nothing is
// recorded besides it.
func forgetDeadMount(string) {}
