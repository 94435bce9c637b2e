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

// waitFilled polls `roamfs status --json` until FilesPending is 0, and
// returns when it saw that; limit bounds the wait.
func (h *harness) waitFilled(ctx context.Context, cache string, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
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
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
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
