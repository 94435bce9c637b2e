//go:build !windows

package overlay

import "syscall"

// diskFull: the errors that mean the disk is full.
var diskFull = []error{syscall.ENOSPC}
