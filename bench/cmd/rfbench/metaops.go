package main

// Issue 12, item 4: journaled metadata operations (chmod, utimes, setxattr,
// link) within 1.5× of the same operations in a nonroaming folder of the
// same mount, which journals nothing. Both folders are in one roamfs
// session, so the only difference is the journal; the order of the two
// alternates between runs.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

var metaOpsPhases = []string{"chmod", "utimes", "setxattr", "link"}

// metaOpsFolders: Documents roams; AppData/Local is nonroaming by default.
var metaOpsFolders = []string{"Documents", "AppData/Local"}

// targetMetaOps: a journaled operation at least 1/1.5 the rate of the same
// operation in a nonroaming folder.
const targetMetaOps = 1.5

type metaOpsRun struct {
	Rate map[string]map[string]float64 // folder → phase → operations per second
}

type metaOpsResult struct {
	Files int
	Runs  []metaOpsRun
	Err   string `json:",omitempty"`
}

func (h *harness) benchMetaOps(ctx context.Context) *metaOpsResult {
	n := h.cfg.metaFiles / 4
	res := &metaOpsResult{Files: n}
	for run := 0; run < h.cfg.runs && ctx.Err() == nil; run++ {
		h.logf("metadata ops: run %d/%d (%d files a folder)", run+1, h.cfg.runs, n)
		r, err := h.metaOpsOnce(ctx, n, run)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		res.Runs = append(res.Runs, r)
	}
	return res
}

func (h *harness) metaOpsOnce(ctx context.Context, n, run int) (metaOpsRun, error) {
	r := metaOpsRun{Rate: map[string]map[string]float64{}}
	e, err := h.prepare(ctx, tRoamfs, fmt.Sprintf("metaops%d", run))
	if err != nil {
		return r, err
	}
	defer h.teardown(e)
	root := filepath.Dir(e.dir) // the mount: e.dir is its Documents
	data := randomBlock(4096, 5)
	dirs := map[string]string{}
	for _, f := range metaOpsFolders {
		dir := filepath.Join(root, filepath.FromSlash(f), "rfbench-metaops")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return r, err
		}
		for i := range n {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%06d", i)), data, 0o644); err != nil {
				return r, err
			}
		}
		dirs[f] = dir
		r.Rate[f] = map[string]float64{}
	}
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ops := map[string]func(dir string, i int) error{
		"chmod": func(dir string, i int) error { return os.Chmod(metaOpsName(dir, i), 0o600) },
		"utimes": func(dir string, i int) error {
			return os.Chtimes(metaOpsName(dir, i), stamp, stamp)
		},
		"setxattr": func(dir string, i int) error {
			return unix.Setxattr(metaOpsName(dir, i), "user.rfbench", []byte("roamfs"), 0)
		},
		"link": func(dir string, i int) error { return os.Link(metaOpsName(dir, i), metaOpsName(dir, i)+".link") },
	}
	for _, phase := range metaOpsPhases {
		for _, f := range rotate(metaOpsFolders, run) {
			start := time.Now()
			for i := range n {
				if i%256 == 0 && ctx.Err() != nil {
					return r, ctx.Err()
				}
				if err := ops[phase](dirs[f], i); err != nil {
					return r, fmt.Errorf("%s in %s: %w", phase, f, err)
				}
			}
			r.Rate[f][phase] = float64(n) / time.Since(start).Seconds()
		}
	}
	return r, nil
}

func metaOpsName(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("f%06d", i)) }

func (r *report) metaOps(m *metaOpsResult) {
	r.f("\n## 2b. Journaled metadata operations against a nonroaming folder (issue 12)\n\n")
	r.f("One roamfs session; %s files in `Documents` (roams: every operation is a durable journal record) and as many in `AppData/Local` "+
		"(nonroaming: nothing journaled); one thread, each operation once per file; the folders' order alternates between runs. "+
		"Rates in operations/s, median (min–max).\n\n", commas(int64(m.Files)))
	r.header("operation", "Documents (journaled)", "AppData/Local (nonroaming)", "nonroaming / journaled", "target", "result")
	for _, phase := range metaOpsPhases {
		var roam, local sample
		for _, x := range m.Runs {
			roam = append(roam, x.Rate[metaOpsFolders[0]][phase])
			local = append(local, x.Rate[metaOpsFolders[1]][phase])
		}
		q := ratios(local, roam)
		r.row(phase, roam.spread(), local.spread(), q.ratioSpread(), fmt.Sprintf("≤ %.1f×", targetMetaOps),
			r.verdict(q.median(), targetMetaOps, false, fmt.Sprintf("%s in a roaming folder runs at 1/%.2f of a nonroaming one (a durable journal record each).", phase, q.median())+
				r.res.Floor.floorLine("A journaled "+phase, 1/roam.median()-1/local.median())))
	}
	if ff := r.res.Floor; ff != nil && ff.Err == "" {
		r.f("\nThe flush floor of the file system the caches are on (%d flushes of 128 bytes each, median): append + fsync %.0f µs, a write into preallocated space + fdatasync %.0f µs. "+
			"One writer at a time waits for one flush per journaled operation, so a journaled operation costs at least this much more than an unjournaled one.\n",
			flushFloorN, ff.AppendFsync*1e6, ff.PreallocFdatasync*1e6)
	} else if ff != nil {
		r.f("\nThe flush floor could not be measured: %s\n", ff.Err)
	}
	errLine(r, m.Err)
}
