//go:build unix

package journal

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// badger writes its memtable log through a memory map of a file it only
// truncates to size; on a full disk the first touch of an unbacked page is a
// SIGBUS that kills the daemon (and the mount). So the journal backs those
// files with real blocks (fallocate) as soon as they appear, and keeps a
// ballast file it gives up when the disk runs low, so that badger can still
// open its next memtable: the application sees ENOSPC, the journal stays
// consistent.

const (
	ballastName = "roamfs-reserve"
	ballastSize = 16 << 20
	spaceCheck  = 50 * time.Millisecond
)

type spaceGuard struct {
	dir    string
	log    *zap.Logger
	mu     sync.Mutex
	backed map[string]bool
	last   time.Time
}

func newSpaceGuard(dir string, log *zap.Logger) *spaceGuard {
	g := &spaceGuard{dir: dir, log: log, backed: map[string]bool{}}
	if free, err := g.free(); err == nil && free > 4*ballastSize {
		g.makeBallast()
	}
	g.check(true)
	return g
}

func (g *spaceGuard) free() (int64, error) {
	var s unix.Statfs_t
	if err := unix.Statfs(g.dir, &s); err != nil {
		return 0, err
	}
	return int64(s.Bavail) * int64(s.Bsize), nil
}

func (g *spaceGuard) makeBallast() {
	p := filepath.Join(g.dir, ballastName)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	if err := unix.Fallocate(int(f.Fd()), 0, 0, ballastSize); err != nil {
		os.Remove(p)
	}
}

// check backs new memory-mapped files and drops the ballast when the disk is
// nearly full. It runs before each group commit, at most every spaceCheck.
func (g *spaceGuard) check(force bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !force && time.Since(g.last) < spaceCheck {
		return
	}
	g.last = time.Now()
	if free, err := g.free(); err == nil && free < ballastSize/2 {
		if err := os.Remove(filepath.Join(g.dir, ballastName)); err == nil {
			g.log.Warn("the cache's disk is nearly full: journal reserve released so that records can still be written")
		}
	}
	entries, err := os.ReadDir(g.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if g.backed[n] || !strings.HasSuffix(n, ".mem") { // .vlog: records stay under ValueThreshold, never written there
			continue
		}
		if g.back(filepath.Join(g.dir, n)) == nil {
			g.backed[n] = true
		}
	}
}

func (g *spaceGuard) back(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// FALLOC_FL_KEEP_SIZE: blocks for the whole mapped length, size unchanged.
	return unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, 0, fi.Size())
}
