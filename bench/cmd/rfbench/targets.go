package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The file systems under test. Every data and metadata figure is taken on each
// of them in the same run, so a ratio compares like with like.
const (
	tNative   = "native"
	tLoopback = "loopback"      // go-fuse's loopback as it comes (passthrough where the kernel has it)
	tNoPT     = "loopback-nopt" // the loopback with passthrough declined (-nopt)
	tRoamfs   = "roamfs"
)

// env is one target ready for a run: dir is where the benchmark works (a
// Documents folder, where a user's files go), pid the daemon serving it.
type env struct {
	target string
	dir    string
	pid    int
	cache  string
	hwm    *hwmWatch
	m      *mount
	root   string
}

// prepare sets up target t under a fresh directory named by tag.
func (h *harness) prepare(ctx context.Context, t, tag string) (*env, error) {
	root := filepath.Join(h.work, tag+"-"+t)
	e := &env{target: t, root: root}
	var err error
	switch t {
	case tNative:
		e.dir = filepath.Join(root, "native", "Documents")
		err = os.MkdirAll(e.dir, 0o755)
	case tLoopback, tNoPT:
		src, mnt := filepath.Join(root, "src"), filepath.Join(root, "mnt")
		if err = os.MkdirAll(filepath.Join(src, "Documents"), 0o755); err != nil {
			return nil, err
		}
		e.m, err = h.startLoopback(ctx, src, mnt, t == tLoopback)
		if err == nil {
			e.dir, e.pid = filepath.Join(mnt, "Documents"), e.m.pid
		}
	case tRoamfs:
		// A server folder that does not exist yet: roamfs creates the Windows
		// default profile, with its Documents folder.
		e.cache = filepath.Join(root, "cache")
		e.m, _, err = h.logon(ctx, filepath.Join(root, "server"), e.cache, filepath.Join(root, "mnt"))
		if err == nil {
			e.dir, e.pid = filepath.Join(e.m.dir, "Documents"), e.m.pid
		}
	default:
		err = fmt.Errorf("unknown target %q", t)
	}
	if err != nil {
		h.safeRemoveAll(root)
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	if e.pid > 0 {
		e.hwm = watchHWM(e.pid)
	}
	return e, nil
}

// teardown unmounts (for roamfs: logs off, which syncs the journal). It
// returns the logoff's duration. The target's directories stay until the
// harness ends (see topDir): an emptied block group must not attract the next
// target's files.
func (h *harness) teardown(e *env) (time.Duration, error) {
	var d time.Duration
	var err error
	if e.m != nil {
		switch e.m.kind {
		case kindLoopback:
			err = h.stopLoopback(e.m)
		case kindRoamfs:
			d, err = h.logoff(context.Background(), e.m)
		}
	}
	e.hwm.Peak()
	return d, err
}

// safeRemoveAll removes dir unless something is still mounted under it:
// removing through a live mount would reach into what it serves.
func (h *harness) safeRemoveAll(dir string) error {
	if ms := mountsUnder(dir); len(ms) > 0 {
		return fmt.Errorf("not removing %s: still mounted: %v", dir, ms)
	}
	return os.RemoveAll(dir)
}

// rotate orders the targets differently in each run, so no target always
// goes first (page cache, journal warm-up, another tenant's burst).
func rotate(ts []string, run int) []string {
	out := make([]string, 0, len(ts))
	for i := range ts {
		out = append(out, ts[(i+run)%len(ts)])
	}
	return out
}
