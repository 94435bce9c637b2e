//go:build windows

package cgofuse

import (
	"errors"
	"os"
	"time"

	"github.com/winfsp/cgofuse/fuse"
)

// configure asks WinFsp for Windows name semantics: a profile is read and
// written by programs that expect NTFS, where "Desktop" and "desktop" are one
// name and the case it was created with is kept. WinFsp then hands paths on
// as the program spelled them and asks Getpath (getpath.go) for the stored
// spelling, which the overlay finds (policy CaseInsensitive). Listings carry
// attributes (readdir-plus), so Explorer does not ask for each entry again.
func configure(h *fuse.FileSystemHost) {
	h.SetCapCaseInsensitive(true)
	h.SetCapReaddirPlus(true)
}

// mountArgs: uid=-1,gid=-1 map files to the user running the daemon;
// FileSystemName=NTFS is what programs that check the volume's file system
// (Office, installers, the shell) expect under a profile.
func mountArgs(o Options) []string {
	args := []string{"-o", "uid=-1,gid=-1", "-o", "FileSystemName=NTFS"}
	if o.Debug {
		args = append(args, "-d")
	}
	return args
}

// waitMounted: WinFsp calls Init before it sets the mount point and gives no
// signal after, so wait for the mount point to answer.
func waitMounted(dir string, stopped <-chan struct{}, deadline <-chan time.Time) error {
	probe := dir
	if len(dir) == 2 && dir[1] == ':' {
		probe = dir + `\`
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(probe); err == nil {
			return nil
		}
		select {
		case <-stopped:
			return errors.New("the WinFsp host stopped before the mount point appeared")
		case <-deadline:
			return errors.New("mount point did not appear")
		case <-tick.C:
		}
	}
}
