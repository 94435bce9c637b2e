package main

// Issue 8, items 3 and 4, per profile size:
//   first logon: `roamfs logon` into an empty cache against `rsync -a` and
//   `cp -a` of the same server copy, each from a cold page cache (a server copy
//   is remote: nothing of it is cached on the client);
//   logoff: log on again, change a few files through the mount, time
//   `roamfs logoff` against `rsync -a --delete CACHE/profile/ REPLICA/`, where
//   REPLICA is an rsync copy of the server as it stood before the session (so
//   rsync carries the same changes to an identical tree, and the real server
//   stays roamfs' own: an rsync onto it would change what roamfs' bases say).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

type logonRun struct {
	Roamfs, Rsync, Cp float64 // seconds
	PeakRSS           int64   // the daemon's VmHWM right after logon: the merge's peak
}

type logoffRun struct {
	Relogon float64 // seconds: logon with the cache already there (a merge scan)
	Changes float64 // seconds to make the changes through the mount
	Logoff  float64 // seconds
	Rsync   float64 // seconds
	PeakRSS int64   // the daemon's VmHWM over the whole session
	Changed int
}

type profileResult struct {
	Files    int
	Bytes    int64
	Dirs     int
	GenSecs  float64
	Logon    []logonRun
	Logoff   []logoffRun
	Err      string `json:",omitempty"`
	Warnings []string
}

type profilesResult struct {
	FS       string // where the trees were (see scratch.go)
	Profiles []*profileResult
}

func (h *harness) benchProfiles(ctx context.Context) *profilesResult {
	base, fs, scratch := h.profileBase(ctx)
	res := &profilesResult{FS: fs}
	for i, n := range h.cfg.profiles {
		// First logons are timed for the largest profile, the one the target
		// is about; the others get one untimed logon to fill their cache.
		res.Profiles = append(res.Profiles, h.benchProfile(ctx, n, base, scratch != nil, i == len(h.cfg.profiles)-1))
		if ctx.Err() != nil {
			break
		}
	}
	if scratch != nil {
		if err := h.unmountScratch(scratch); err != nil {
			h.logf("profiles: %v", err)
		}
	}
	return res
}

func (h *harness) benchProfile(ctx context.Context, n int, base string, scratch, timed bool) *profileResult {
	res := &profileResult{Files: n}
	// Every tree is a child of base (see topdir.go and scratch.go).
	dir := func(name string) string { return filepath.Join(base, fmt.Sprintf("p%d-%s", n, name)) }
	mnt := filepath.Join(h.work, fmt.Sprintf("p%d-mnt", n))
	server := dir("server")
	h.logf("profile %d: generating the server copy", n)
	start := time.Now()
	info, err := generateProfile(ctx, server, n, h.cfg.seed)
	if err != nil {
		res.Err = fmt.Sprintf("generate: %v", err)
		return res
	}
	res.Bytes, res.Dirs, res.GenSecs = info.Bytes, info.Dirs, time.Since(start).Seconds()
	keep := scratch || diskFree(base) > int64(3*h.cfg.runs)*res.Bytes*11/10+(4<<30)
	if !keep {
		res.Warnings = append(res.Warnings, fmt.Sprintf("not enough disk to keep %d copies of the profile: each was removed after its run, which may slow the next one's file creation", 3*h.cfg.runs))
	}
	runs := h.cfg.runs
	if !timed {
		runs = 0
	}
	cache, replica, err := h.firstLogons(ctx, res, server, mnt, dir, runs, keep)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	if err := h.logoffs(ctx, res, info, server, cache, mnt, replica); err != nil {
		res.Err = err.Error()
	}
	return res
}

// firstLogons times first logons into an empty cache against rsync and cp of
// the same tree, each into a directory of its own, runs times; with runs 0 it
// makes one cache and one rsync copy untimed. It returns the last cache
// (logged off) and its rsync copy (the replica) for the logoff runs.
func (h *harness) firstLogons(ctx context.Context, res *profileResult, server, mnt string, dir func(string) string, runs int, keep bool) (cache, replica string, err error) {
	if runs == 0 {
		h.logf("profile %d: first logon (untimed)", res.Files)
		cache, replica = dir("cache"), dir("rsync")
		m, _, err := h.logon(ctx, server, cache, mnt)
		if err != nil {
			return "", "", fmt.Errorf("first logon: %w", err)
		}
		if _, err := h.logoff(ctx, m); err != nil {
			return "", "", fmt.Errorf("logoff after first logon: %w", err)
		}
		_, err = h.timeCmd(ctx, "rsync", "-a", server+"/", replica+"/")
		return cache, replica, err
	}
	for run := 0; run < runs; run++ {
		h.logf("profile %d: first logon, run %d/%d", res.Files, run+1, runs)
		var r logonRun
		cache = dir(fmt.Sprintf("cache%d", run))
		replica = dir(fmt.Sprintf("rsync%d", run))
		cpDir := dir(fmt.Sprintf("cp%d", run))
		if err := h.dropCaches(); err != nil {
			return "", "", err
		}
		m, d, err := h.logon(ctx, server, cache, mnt)
		if err != nil {
			return "", "", fmt.Errorf("first logon: %w", err)
		}
		r.Roamfs = d.Seconds()
		r.PeakRSS, _ = vmHWM(m.pid)
		if _, err := h.logoff(ctx, m); err != nil {
			return "", "", fmt.Errorf("logoff after first logon: %w", err)
		}
		if err := h.dropCaches(); err != nil {
			return "", "", err
		}
		if r.Rsync, err = h.timeCmd(ctx, "rsync", "-a", server+"/", replica+"/"); err != nil {
			return "", "", err
		}
		if err := h.dropCaches(); err != nil {
			return "", "", err
		}
		if r.Cp, err = h.timeCmd(ctx, "cp", "-a", server, cpDir); err != nil {
			return "", "", err
		}
		res.Logon = append(res.Logon, r)
		if !keep {
			h.safeRemoveAll(cpDir)
			if run < runs-1 {
				h.safeRemoveAll(cache)
				h.safeRemoveAll(replica)
			}
		}
	}
	return cache, replica, nil
}

// logoffs runs the sessions whose logoff is timed: logon (the cache is there),
// change files through the mount, logoff; then rsync the same cache onto the
// replica, which carries the same changes.
func (h *harness) logoffs(ctx context.Context, res *profileResult, info *profileInfo, server, cache, mnt, replica string) error {
	files := append([]string(nil), info.paths...)
	profile := filepath.Join(cache, "profile")
	for run := 0; run < h.cfg.runs; run++ {
		h.logf("profile %d: logoff, run %d/%d", res.Files, run+1, h.cfg.runs)
		var r logoffRun
		m, d, err := h.logon(ctx, server, cache, mnt)
		if err != nil {
			return fmt.Errorf("logon: %w", err)
		}
		r.Relogon = d.Seconds()
		w := watchHWM(m.pid)
		start := time.Now()
		rng := rand.New(rand.NewPCG(h.cfg.seed, uint64(run)+1000))
		files, r.Changed, err = changeFiles(mnt, files, h.cfg.changes, run, rng)
		r.Changes = time.Since(start).Seconds()
		if err != nil {
			h.logoff(ctx, m)
			w.Peak()
			return fmt.Errorf("change files through the mount: %w", err)
		}
		ld, err := h.logoff(ctx, m)
		r.Logoff = ld.Seconds()
		r.PeakRSS = w.Peak()
		if err != nil {
			return err
		}
		if r.Rsync, err = h.timeCmd(ctx, "rsync", "-a", "--delete", profile+"/", replica+"/"); err != nil {
			return err
		}
		res.Logoff = append(res.Logoff, r)
	}
	return nil
}

// changeFiles makes n changes through the mount, as a user's session would:
// 80% rewrite the start of an existing file, 10% new files, 10% deletions.
// It returns the file list as it now is.
func changeFiles(mnt string, files []string, n, run int, rng *rand.Rand) ([]string, int, error) {
	creates, deletes := n/10, n/10
	modifies := n - creates - deletes
	block := randomBlock(4096, uint64(run)+10)
	done := 0
	for i := 0; i < modifies; i++ {
		p := filepath.Join(mnt, files[rng.IntN(len(files))])
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return files, done, err
		}
		_, err = f.WriteAt(block, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return files, done, err
		}
		done++
	}
	for i := 0; i < creates; i++ {
		rel := filepath.Join("Documents", fmt.Sprintf("rfbench-new-%d-%d.txt", run, i))
		if err := os.WriteFile(filepath.Join(mnt, rel), block, 0o644); err != nil {
			return files, done, err
		}
		files = append(files, rel)
		done++
	}
	for i := 0; i < deletes; i++ {
		k := rng.IntN(len(files))
		if err := os.Remove(filepath.Join(mnt, files[k])); err != nil {
			return files, done, err
		}
		files[k] = files[len(files)-1]
		files = files[:len(files)-1]
		done++
	}
	return files, done, nil
}

// timeCmd runs a command and returns its wall time in seconds.
func (h *harness) timeCmd(ctx context.Context, name string, args ...string) (float64, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return d.Seconds(), nil
}
