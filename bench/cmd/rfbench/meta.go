package main

// Issue 8, item 2: metadata. One application thread creates, writes 4 KiB to
// and closes N small files, stats them all, stats them all again a while later,
// renames them all and unlinks them all; each phase is timed on its own, on
// each target in the same run.
//
// The second stat (issue 12) comes after restatPause, longer than the
// loopback's one-second entry and attribute timeouts (go-fuse's example): it
// measures what long kernel timeouts buy, the stat of a file looked at a
// while ago. The first stat follows writes, after which the kernel asks
// every FUSE daemon for the new size and times once.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

var metaPhases = []string{"create", "stat", "restat", "rename", "unlink"}

// restatPause is the wait before the "restat" phase.
const restatPause = 1500 * time.Millisecond

type metaRun struct {
	Rate    map[string]float64 // phase → files per second
	Records map[string]int     // roamfs: journal records by op after the run
	PeakRSS int64              // the daemon's VmHWM, bytes
	Logoff  float64            // roamfs: seconds to log off afterwards (replaying the run's journal)
}

type metaResult struct {
	Files   int
	Targets []string
	Runs    map[string][]metaRun
	Err     string `json:",omitempty"`
}

func (h *harness) benchMeta(ctx context.Context) *metaResult {
	res := &metaResult{Files: h.cfg.metaFiles, Targets: h.targets(), Runs: map[string][]metaRun{}}
	for run := 0; run < h.cfg.runs; run++ {
		for _, t := range rotate(res.Targets, run) {
			h.logf("metadata: run %d/%d on %s (%d files)", run+1, h.cfg.runs, t, h.cfg.metaFiles)
			r, err := h.metaOnce(ctx, t, fmt.Sprintf("meta%d", run))
			if err != nil {
				res.Err = err.Error()
				return res
			}
			res.Runs[t] = append(res.Runs[t], r)
		}
	}
	return res
}

func (h *harness) metaOnce(ctx context.Context, t, tag string) (r metaRun, err error) {
	e, err := h.prepare(ctx, t, tag)
	if err != nil {
		return r, err
	}
	tornDown := false
	defer func() {
		if !tornDown {
			h.teardown(e)
		}
	}()
	dir := filepath.Join(e.dir, "rfbench-meta")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return r, err
	}
	n := h.cfg.metaFiles
	name := func(i int, suffix string) string { return filepath.Join(dir, fmt.Sprintf("f%06d%s", i, suffix)) }
	data := randomBlock(4096, 3)
	r.Rate = map[string]float64{}
	phases := map[string]func(i int) error{
		"create": func(i int) error {
			f, err := os.OpenFile(name(i, ""), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		},
		"stat": func(i int) error {
			_, err := os.Lstat(name(i, ""))
			return err
		},
		"restat": func(i int) error {
			_, err := os.Lstat(name(i, ""))
			return err
		},
		"rename": func(i int) error { return os.Rename(name(i, ""), name(i, ".renamed")) },
		"unlink": func(i int) error { return os.Remove(name(i, ".renamed")) },
	}
	for _, p := range metaPhases {
		if p == "restat" {
			time.Sleep(restatPause)
		}
		start := time.Now()
		for i := 0; i < n; i++ {
			if i%256 == 0 && ctx.Err() != nil {
				return r, ctx.Err()
			}
			if err := phases[p](i); err != nil {
				return r, fmt.Errorf("%s: %s: %w", t, p, err)
			}
		}
		r.Rate[p] = float64(n) / time.Since(start).Seconds()
	}
	if t == tRoamfs {
		if r.Records, err = h.journalOps(ctx, e.cache); err != nil {
			return r, err
		}
	}
	tornDown = true
	d, err := h.teardown(e)
	r.Logoff = d.Seconds()
	r.PeakRSS = e.hwm.Peak()
	return r, err
}

// journalOps counts the pending journal records by op (`roamfs journal --json`,
// one JSON object a line).
func (h *harness) journalOps(ctx context.Context, cache string) (map[string]int, error) {
	cmd := exec.CommandContext(ctx, h.bin.roamfs, "journal", "--json", "--cache", cache)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ops := map[string]int{}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var rec struct {
			Op string `json:"op"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Op != "" {
			ops[rec.Op]++
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("roamfs journal: %w", err)
	}
	return ops, sc.Err()
}
