package main

// Where the benchmark's trees go on disk, and why it matters here.
//
// ext4 without a journal (this machine's root file system is one) will not
// reuse an inode freed in the last one to five minutes: find_inode_bit skips
// each such inode after reading its dtime (recently_deleted). In a block group
// where many files were just deleted — /tmp's, after every test suite on the
// machine — each create scans past them: creates fall from ~30,000/s to
// ~1,000/s, and what is measured is the neighbours' churn, not a file system.
//
// So the harness marks its work directory as a top directory (chattr +T):
// ext4's Orlov allocator then spreads the work directory's children over block
// groups with few directories and many free inodes, and every tree that is
// measured (one per target and run, each profile copy) is such a child. Trees
// are only removed when the harness ends: a group emptied by a deletion would
// be the first the allocator picks for the next tree, with every one of its
// inodes freshly freed.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

const fsTopdirFl = 0x00020000 // FS_TOPDIR_FL, chattr +T

// markTopDir sets the Orlov "top of a directory hierarchy" flag on dir. It is
// best effort: file systems without the flag ignore it or refuse it.
func markTopDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return fmt.Errorf("FS_IOC_GETFLAGS: %w", err)
	}
	v := int(flags | fsTopdirFl)
	if err := unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, v); err != nil {
		return fmt.Errorf("FS_IOC_SETFLAGS: %w", err)
	}
	return nil
}

// ext4Journal says whether an ext4 device has a journal: jbd2 lists each
// journaled file system under /proc/fs/jbd2 as DEVICE-INO.
func ext4Journal(source string) bool {
	dev := filepath.Base(source)
	entries, err := os.ReadDir("/proc/fs/jbd2")
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), dev+"-") {
			return true
		}
	}
	return false
}

// diskFree is the space available to root under dir, in bytes.
func diskFree(dir string) int64 {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return 0
	}
	return int64(st.Bfree) * st.Bsize
}
