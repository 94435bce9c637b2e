//go:build linux

package overlay

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// lowSpaceMargin: below this much free space in the cache, operations that
// add entries or open files for writing get ENOSPC before anything happens,
// so the journal (on the same disk) always has room for their records.
const lowSpaceMargin = 1 << 20

type spaceCheck struct {
	mu   sync.Mutex
	at   time.Time
	free int64
}

// noSpace answers ENOSPC when the cache's disk is (nearly) full. statfs is
// asked at most every 50ms.
func (p *Profile) noSpace() error {
	c := &p.space
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > 50*time.Millisecond {
		var s unix.Statfs_t
		if err := unix.Fstatfs(p.rootFd, &s); err == nil {
			c.free, c.at = int64(s.Bavail)*int64(s.Bsize), time.Now()
		}
	}
	if c.at.IsZero() || c.free >= lowSpaceMargin {
		return nil
	}
	return unix.ENOSPC
}
