package overlay

import (
	"fmt"
	"sync"
	"syscall"
	"time"
)

// lowSpaceMargin: below this much free space in the cache, operations that
// add entries or open files for writing get ENOSPC before anything happens,
// so the journal (on the same disk) always has room for their records.
const lowSpaceMargin = 1 << 20

// spaceRecheck bounds how often the backend is asked for the free space.
const spaceRecheck = 50 * time.Millisecond

type spaceCheck struct {
	mu   sync.Mutex
	at   time.Time
	free int64
}

// noSpace answers ENOSPC when the cache's disk is (nearly) full. A backend
// that cannot tell the free space never refuses.
func (p *Profile) noSpace() error {
	c := &p.space
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > spaceRecheck {
		if free, err := p.freeBytes(); err == nil {
			c.free, c.at = free, time.Now()
		}
	}
	if c.at.IsZero() || c.free >= lowSpaceMargin {
		return nil
	}
	return fmt.Errorf("cache %s has %d bytes free: %w", p.root, c.free, syscall.ENOSPC)
}
