package main

// Helpers of the streamed-logon and write-back sections (§7, §8): a logon
// with a policy file, the status fields those issues added, a wait for the
// background fill, a timed `roamfs sync` of a running session, and a scratch
// file system sized for one profile at a time.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// liveStatus is `roamfs status --json` with the fields of issues 13 and 14.
type liveStatus struct {
	PID          int   `json:"PID"`
	Pending      int   `json:"PendingChanges"`
	FilesPending int64 `json:"FilesPending"`
	BytesPending int64 `json:"BytesPending"`
}

func (h *harness) liveStatus(ctx context.Context, cache string) (liveStatus, error) {
	var st liveStatus
	out, err := exec.CommandContext(ctx, h.bin.roamfs, "status", "--json", "--cache", cache).Output()
	if err != nil {
		return st, fmt.Errorf("roamfs status --cache %s: %w", cache, err)
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return st, fmt.Errorf("roamfs status --cache %s: %w", cache, err)
	}
	return st, nil
}

// writePolicy writes a policy file of the given lines and returns its path.
func writePolicy(path string, lines ...string) (string, error) {
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("policy file: %w", err)
	}
	return filepath.Abs(path)
}

// logonPolicy is logon with `--policy FILE` (none when policy is "").
func (h *harness) logonPolicy(ctx context.Context, server, cache, mnt, policy string) (*mount, time.Duration, error) {
	if policy == "" {
		return h.logon(ctx, server, cache, mnt)
	}
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return nil, 0, err
	}
	m := &mount{kind: kindRoamfs, dir: mnt, cache: cache}
	h.register(m)
	cmd := exec.CommandContext(ctx, h.bin.roamfs, "logon", "--server", server, "--cache", cache, "--policy", policy, mnt)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		h.logoff(context.Background(), m) // in case it mounted anyway
		return nil, d, fmt.Errorf("roamfs logon --policy %s: %v: %s", policy, err, strings.TrimSpace(out.String()))
	}
	st, err := h.status(ctx, cache)
	if err != nil {
		h.logoff(context.Background(), m)
		return nil, d, err
	}
	m.pid = st.PID
	return m, d, nil
}

// waitFilled waits until the session of cache has every file local and
// returns when that happened. The time is the daemon's own: the timestamp of
// its "background fill finished" event (1602) with nothing left to fetch,
// read from the cache's log, which rfbench reads every 20 ms. Status then
// confirms it (FilesPending 0). Polling `roamfs status` itself every 50 ms,
// as this did before, started a process each time (about 20 ms of CPU) on the
// two cores the fill runs on, slowing the fill it timed, and rounded up to
// the poll. Status is still polled (every second) for a session whose log
// says nothing: a fill that never started, a log elsewhere.
func (h *harness) waitFilled(ctx context.Context, cache string, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	log := filepath.Join(cache, "state", "roamfs.log")
	var off int64
	var partial []byte
	lastStatus := time.Now()
	for {
		if at, ok := fillFinished(log, &off, &partial); ok {
			if st, err := h.liveStatus(ctx, cache); err == nil && st.FilesPending == 0 {
				return at, nil
			}
		}
		if time.Since(lastStatus) >= time.Second {
			lastStatus = time.Now()
			st, err := h.liveStatus(ctx, cache)
			if err != nil {
				return time.Time{}, err
			}
			if st.FilesPending == 0 {
				return time.Now(), nil
			}
			if time.Now().After(deadline) {
				return time.Time{}, fmt.Errorf("background fill of %s: %d files (%s) still pending after %v", cache, st.FilesPending, size(st.BytesPending), limit)
			}
		}
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fillFinished reads log from *off on (keeping a line not yet whole in
// *partial) and reports the time of a "background fill finished" event that
// left no file to fetch.
func fillFinished(log string, off *int64, partial *[]byte) (time.Time, bool) {
	f, err := os.Open(log)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	var found time.Time
	for {
		n, err := f.ReadAt(buf, *off)
		*off += int64(n)
		data := append(*partial, buf[:n]...)
		lines := strings.Split(string(data), "\n")
		*partial = []byte(lines[len(lines)-1])
		for _, l := range lines[:len(lines)-1] {
			var e struct {
				TS       string `json:"ts"`
				EventID  int    `json:"event_id"`
				NotLocal *int   `json:"files_not_local"`
			}
			if json.Unmarshal([]byte(l), &e) != nil || e.EventID != 1602 || e.NotLocal == nil || *e.NotLocal != 0 {
				continue
			}
			if t, err := time.Parse(time.RFC3339Nano, e.TS); err == nil {
				found = t
			}
		}
		if err != nil || n < len(buf) {
			break
		}
	}
	return found, !found.IsZero()
}

// syncSession runs `roamfs sync --cache DIR` on a running session (a
// write-back round now, waited for) and returns its wall time in seconds.
func (h *harness) syncSession(ctx context.Context, cache string) (float64, error) {
	return h.timeCmd(ctx, h.bin.roamfs, "sync", "--cache", cache)
}

// sectionScratch is a fresh ext4 (scratch.go) with room for four copies of
// the largest of sizes at once, or the work directory with -profile-fs dir or
// without the room. The caller removes each size's trees before the next.
func (h *harness) sectionScratch(ctx context.Context, name string, sizes []int) (string, string, *mount) {
	if h.cfg.profileFS == "dir" {
		return h.work, fsOf(h.work), nil
	}
	sz, inodes := scratchSize([]int{sizes[len(sizes)-1]}, 1)
	if free := diskFree(h.work); free < sz+(2<<30) {
		note := fmt.Sprintf("only %d GiB free for a %d GiB scratch image: in the work directory instead", free>>30, sz>>30)
		h.logf("%s: %s", name, note)
		return h.work, fsOf(h.work) + " (" + note + ")", nil
	}
	dir := filepath.Join(h.work, name)
	h.logf("%s: a fresh %d GiB ext4 for the profile copies", name, sz>>30)
	m, err := h.mountScratch(ctx, dir, sz, inodes)
	if err != nil {
		h.logf("%s: no scratch file system (%v): in the work directory instead", name, err)
		return h.work, fsOf(h.work) + " (the scratch ext4 failed: " + err.Error() + ")", nil
	}
	markTopDir(dir)
	return dir, fmt.Sprintf("a fresh ext4 with a journal (%d GiB image, loop device %s with direct I/O)", sz>>30, m.dev), m
}

// pickSmall returns up to n of paths (in order) whose server copy is a file
// of at most limit bytes.
func pickSmall(server string, paths []string, n int, limit int64) []string {
	var out []string
	for _, p := range paths {
		if len(out) == n {
			break
		}
		if fi, err := os.Stat(filepath.Join(server, p)); err == nil && fi.Mode().IsRegular() && fi.Size() <= limit {
			out = append(out, p)
		}
	}
	return out
}

var errNoFiles = errors.New("no small files to measure")
