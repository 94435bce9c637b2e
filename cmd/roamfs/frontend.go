package main

// mounted is a served profile, whichever FUSE front end serves it: go-fuse on
// Linux, cgofuse (WinFsp) on Windows.
type mounted interface {
	// Wait returns when the mount is gone (logoff, umount, Explorer's eject).
	Wait()
	Unmount() error
}
