package service

import "roamfs/internal/mountinfo"

// mountedAt: a roamfs FUSE mount at mnt in this process's mount table.
func mountedAt(mnt string) bool {
	ms, _ := mountinfo.Read()
	for _, m := range ms {
		if m.Dir == mnt && m.FSType == "fuse.roamfs" {
			return true
		}
	}
	return false
}
