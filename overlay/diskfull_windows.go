package overlay

import "syscall"

// diskFull: the errors that mean the disk is full. On Windows the journal's
// writes fail with Win32 codes, not ENOSPC.
var diskFull = []error{
	syscall.ENOSPC,
	syscall.Errno(112), // ERROR_DISK_FULL
	syscall.Errno(39),  // ERROR_HANDLE_DISK_FULL
}
