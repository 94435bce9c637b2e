package main

// Issue 12, item 1: logoff cost follows the net changes, not the record
// count. A session makes many operations through the mount over a fixed set
// of paths (rewrite, rename away and back, chmod: what an application's
// saves and a build's churn look like), then logs off; the same paths
// changed once each in a session of their own is the ideal the logoff is held
// against. Each size is one session (the largest takes minutes to journal);
// the daemon's peak RSS is taken over the whole session.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

const (
	recordPaths   = 1000
	recordWorkers = 8 // concurrent writers share the journal's fsyncs, as a busy desktop's programs do
)

type recordsRun struct {
	Ops     int     // operations through the mount (0: the ideal, each path written once)
	Records int     // pending journal records before the logoff
	OpsSecs float64 // seconds to make the operations
	Logoff  float64 // seconds
	PeakRSS int64   // the daemon's VmHWM over the session
}

type recordsResult struct {
	Paths int
	Ideal *recordsRun
	Runs  []recordsRun
	Err   string `json:",omitempty"`
}

func (h *harness) benchRecords(ctx context.Context) *recordsResult {
	res := &recordsResult{Paths: recordPaths}
	root := filepath.Join(h.work, "records")
	server, cache, mnt := filepath.Join(root, "server"), filepath.Join(root, "cache"), filepath.Join(root, "mnt")
	// The first session creates the paths, so that every measured session
	// changes files the server already has.
	h.logf("records: creating %d files", recordPaths)
	if _, err := h.recordsSession(ctx, server, cache, mnt, 0); err != nil {
		res.Err = err.Error()
		return res
	}
	h.logf("records: the ideal: each of the %d files changed once", recordPaths)
	ideal, err := h.recordsSession(ctx, server, cache, mnt, 0)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	res.Ideal = &ideal
	for _, n := range h.cfg.recordOps {
		if ctx.Err() != nil {
			break
		}
		h.logf("records: %s operations over %d files", commas(int64(n)), recordPaths)
		r, err := h.recordsSession(ctx, server, cache, mnt, n)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		h.logf("records: %s operations journaled %s records in %.1f s; logoff %.2f s, peak RSS %.0f MB",
			commas(int64(n)), commas(int64(r.Records)), r.OpsSecs, r.Logoff, float64(r.PeakRSS)/1e6)
		res.Runs = append(res.Runs, r)
	}
	return res
}

// recordsSession logs on, makes ops operations (0: writes each path once),
// and times the logoff.
func (h *harness) recordsSession(ctx context.Context, server, cache, mnt string, ops int) (recordsRun, error) {
	r := recordsRun{Ops: ops}
	// No write-back rounds: a long session would otherwise sync most of its
	// records mid-way, and the logoff would not replay what the row says.
	pol := filepath.Join(filepath.Dir(cache), "records-policy.yaml")
	if err := os.MkdirAll(filepath.Dir(pol), 0o755); err != nil {
		return r, err
	}
	if err := os.WriteFile(pol, []byte("PSMidSessionWriteBack: false\n"), 0o644); err != nil {
		return r, err
	}
	m, _, err := h.logonPolicy(ctx, server, cache, mnt, pol)
	if err != nil {
		return r, err
	}
	w := watchHWM(m.pid)
	dir := filepath.Join(mnt, "Documents", "rfbench-records")
	start := time.Now()
	if ops == 0 {
		err = writeEach(dir)
	} else {
		err = churn(ctx, dir, ops)
	}
	r.OpsSecs = time.Since(start).Seconds()
	if err == nil {
		var st roamfsStatus
		st, err = h.status(ctx, cache)
		r.Records = st.Pending
	}
	if err != nil {
		h.logoff(ctx, m)
		w.Peak()
		return r, fmt.Errorf("operations through the mount: %w", err)
	}
	d, err := h.logoff(ctx, m)
	r.Logoff, r.PeakRSS = d.Seconds(), w.Peak()
	return r, err
}

func recordPath(dir string, i int) string {
	return filepath.Join(dir, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%04d.dat", i))
}

// writeEach writes every path once (creating it and its folder if need be).
func writeEach(dir string) error {
	block := randomBlock(4096, 12)
	for i := 0; i < recordPaths; i++ {
		p := recordPath(dir, i)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, block, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// churn makes n operations over the paths from recordWorkers goroutines,
// each on its own share of the paths: a rewrite (open, write, close), a
// rename away and back (two operations), a chmod, in turn.
func churn(ctx context.Context, dir string, n int) error {
	block := randomBlock(4096, 13)
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, recordWorkers)
	for w := 0; w < recordWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if i%256 == 0 && ctx.Err() != nil {
					errs <- ctx.Err()
					return
				}
				k := w + (i*recordWorkers)%recordPaths // this worker's paths: k ≡ w (mod workers)
				p := recordPath(dir, k%recordPaths)
				var err error
				var cost int64 = 1
				switch (i / (recordPaths / recordWorkers)) % 3 {
				case 0:
					err = rewrite(p, block[:1+i%len(block)])
				case 1:
					cost = 2
					if err = os.Rename(p, p+".tmp"); err == nil {
						err = os.Rename(p+".tmp", p)
					}
				case 2:
					err = os.Chmod(p, os.FileMode(0o600|(i&1)*0o044))
				}
				if err != nil {
					errs <- err
					return
				}
				if done.Add(cost) >= int64(n) {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func rewrite(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
