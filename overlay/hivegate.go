package overlay

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"roamfs/internal/entry"
)

// The hive (NTUSER.DAT) is uploaded while the user is logged on, so its copy
// must be one whole version. Writes bypass the daemon (passthrough), but every
// writer has to open the file for writing first, and that the daemon sees:
// a snapshot waits until no writable handle on a hive is open, holds new ones
// back while it copies, and lets them through afterwards.

// ErrHiveBusy reports that the hive stayed open for writing for the whole wait.
var ErrHiveBusy = errors.New("hive is held open for writing")

type hiveGate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	writers int  // open writable handles (and path truncates) on hive files
	frozen  bool // a snapshot is being taken
}

func newHiveGate() *hiveGate {
	g := &hiveGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// enter admits a writer, waiting while a snapshot is taken.
func (g *hiveGate) enter() {
	g.mu.Lock()
	for g.frozen {
		g.cond.Wait()
	}
	g.writers++
	g.mu.Unlock()
}

// enterTruncate admits a truncate by path. open(O_TRUNC) reaches a FUSE
// daemon as an OPEN and then a separate SETATTR without a handle; the opener
// already holds the gate, and a snapshot waiting for it to leave has not
// started copying, so the truncate must not wait behind that snapshot (it
// would wait for itself). Only a snapshot already copying (no writers left)
// holds it back.
func (g *hiveGate) enterTruncate() {
	g.mu.Lock()
	for g.frozen && g.writers == 0 {
		g.cond.Wait()
	}
	g.writers++
	g.mu.Unlock()
}

func (g *hiveGate) leave() {
	g.mu.Lock()
	g.writers--
	g.cond.Broadcast()
	g.mu.Unlock()
}

// freeze waits up to timeout for the writers to leave and keeps new ones out
// until thaw.
func (g *hiveGate) freeze(timeout time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.frozen {
		g.cond.Wait()
	}
	g.frozen = true
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		g.mu.Lock()
		g.cond.Broadcast()
		g.mu.Unlock()
	})
	defer timer.Stop()
	for g.writers > 0 {
		if !time.Now().Before(deadline) {
			g.frozen = false
			g.cond.Broadcast()
			return ErrHiveBusy
		}
		g.cond.Wait()
	}
	return nil
}

func (g *hiveGate) thaw() {
	g.mu.Lock()
	g.frozen = false
	g.cond.Broadcast()
	g.mu.Unlock()
}

// SnapshotHive copies hive file rel to dst (a path outside the profile) as one
// whole version: no writer has it open while the copy runs. The copy keeps the
// hive's mode (entry.ModeBits) and mtime; it returns the size and mtime.
func (p *Profile) SnapshotHive(rel, dst string, wait time.Duration) (size int64, mtime time.Time, err error) {
	if err := p.hives.freeze(wait); err != nil {
		return 0, time.Time{}, fmt.Errorf("snapshot %s: %w", rel, err)
	}
	defer p.hives.thaw()
	src, err := p.openSnapshot(rel)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("snapshot %s: %w", rel, err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return 0, time.Time{}, err
	}
	if !fi.Mode().IsRegular() {
		return 0, time.Time{}, fmt.Errorf("snapshot %s: not a regular file", rel)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, time.Time{}, err
	}
	_, err = out.ReadFrom(src)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// The whole roaming mode, setuid/setgid/sticky too: the background
		// upload sends the snapshot's mode, as a logoff sends the file's.
		err = os.Chmod(dst, fi.Mode()&entry.ModeBits)
	}
	if err == nil {
		err = os.Chtimes(dst, fi.ModTime(), fi.ModTime())
	}
	return fi.Size(), fi.ModTime(), err
}
