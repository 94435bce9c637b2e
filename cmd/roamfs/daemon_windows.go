package main

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/windows"
)

// passReady lets the daemon inherit the readiness pipe's handle (Windows has
// no descriptor numbers to pass) and detaches it from the console, so closing
// the logon's window does not end the session.
func passReady(cmd *exec.Cmd, w *os.File) string {
	h := syscall.Handle(w.Fd())
	cmd.SysProcAttr = &syscall.SysProcAttr{
		AdditionalInheritedHandles: []syscall.Handle{h},
		CreationFlags:              windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP,
	}
	return strconv.FormatUint(uint64(h), 10)
}

func readyFile(fd int) *os.File { return os.NewFile(uintptr(fd), "ready") }

// stopDaemon: a detached process gets no console signal; it never served
// anything, so ending it loses nothing (its journal is durable).
func stopDaemon(p *os.Process) { p.Kill() }

// detachDeadMount: WinFsp removes a mount when its process dies. The
// mount-list entry is forgotten only once the sync succeeded
// (forgetDeadMount), so a failed one can be retried.
func detachDeadMount(string) error { return nil }
