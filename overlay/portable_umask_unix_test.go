//go:build unix && (!linux || roamfs_portable)

package overlay

import "syscall"

// umask is the process's umask, which the cache's file system applies.
func umask() int {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return m
}
