package main

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// passReady hands the readiness pipe to the daemon as descriptor 3 and starts
// it in a session of its own, so the logon's terminal going away does not
// take the mount with it.
func passReady(cmd *exec.Cmd, w *os.File) string {
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return "3"
}

func readyFile(fd int) *os.File { return os.NewFile(uintptr(fd), "ready") }

// stopDaemon asks a daemon that never became ready to log off.
func stopDaemon(p *os.Process) { p.Signal(syscall.SIGTERM) }

// detachDeadMount lazily unmounts a mount whose daemon was killed: the kernel
// keeps answering ENOTCONN there until it is detached.
func detachDeadMount(mnt string) error { return unix.Unmount(mnt, unix.MNT_DETACH) }
