//go:build linux && !roamfs_portable

package overlay

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"golang.org/x/sys/unix"
)

// Statfs reports the cache filesystem's space.
func (p *Profile) Statfs() (unix.Statfs_t, error) {
	var s unix.Statfs_t
	return s, unix.Fstatfs(p.rootFd, &s)
}

// freeBytes is the space left to an unprivileged writer on the cache's disk.
func (p *Profile) freeBytes() (int64, error) {
	var s unix.Statfs_t
	if err := unix.Fstatfs(p.rootFd, &s); err != nil {
		return 0, err
	}
	return int64(s.Bavail) * int64(s.Bsize), nil
}

// Generation tells rel's inode from an earlier one that had the same number.
// The cache filesystem gives a freed inode number to the next file it
// creates, and the daemon frees inodes behind a mount all the time (a
// streamed logon's fill renames the whole file over its placeholder), so a
// front end that knows files by inode number alone would take the new file
// for the old one. It is a hash of rel's file handle (name_to_handle_at),
// which holds the inode's generation on ext4, xfs, btrfs and tmpfs: it stays
// the same for the inode's life, through renames and for all its hard links.
// A filesystem without file handles gives an error.
func (p *Profile) Generation(rel string) (uint64, error) {
	if err := p.inside(rel); err != nil {
		return 0, err
	}
	dirfd, name, done, err := p.parent(rel)
	if err != nil {
		return 0, err
	}
	defer done()
	flags := 0
	if name == "" { // the root
		flags = unix.AT_EMPTY_PATH
	}
	h, _, err := unix.NameToHandleAt(dirfd, name, flags)
	if err != nil {
		return 0, fmt.Errorf("file handle of %q: %w", rel, err)
	}
	f := fnv.New64a()
	_ = binary.Write(f, binary.LittleEndian, h.Type())
	f.Write(h.Bytes())
	return f.Sum64(), nil
}
