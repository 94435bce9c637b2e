package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Helpers of the reliability tests (issue 6): faults injected from outside
// the binary — a killed daemon, a vanished or full server, a hostile server
// copy, a damaged or full cache — and the checks that nothing acknowledged is
// lost. Every name starts with rel so that other test files stay free to grow.

// relStatus is `roamfs status --json` with the fields the fault tests read
// (profileStatus lacks Status and NotRoamingReason).
type relStatus struct {
	LocalPath        string          `json:"LocalPath"`
	RoamingPath      string          `json:"RoamingPath"`
	Loaded           bool            `json:"Loaded"`
	Status           int             `json:"Status"`
	NotRoamingReason string          `json:"NotRoamingReason"`
	PID              int             `json:"PID"`
	PendingChanges   int             `json:"PendingChanges"`
	LastSyncResult   json.RawMessage `json:"LastSyncResult"`
}

// relStatusRoaming is Win32_UserProfile's "roaming" Status bit.
const relStatusRoaming = 2

func relStatusOf(t *testing.T, cache string) relStatus {
	t.Helper()
	out := must(t, "status", "--json", "--cache", cache)
	var st relStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json printed %q: %v", out, err)
	}
	return st
}

// relRoamfs runs the binary and fails the test only when it could not run.
func relRoamfs(t *testing.T, args ...string) cliResult {
	t.Helper()
	r, err := roamfs(args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// relEvent is one JSON line of CACHE/state/roamfs.log.
type relEvent struct {
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	EventID int    `json:"event_id"`
	Path    string `json:"path"`
	Session string `json:"session"`
	Error   string `json:"error"`
	raw     string
}

// relEvents reads the cache's log; lines that are not JSON (a panic the
// daemon's stderr would put there) are skipped.
func relEvents(t *testing.T, cache string) []relEvent {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(cache, "state", "roamfs.log"))
	if err != nil {
		t.Fatalf("read the log: %v", err)
	}
	var out []relEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		var e relEvent
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			e.raw = sc.Text()
			out = append(out, e)
		}
	}
	return out
}

// relWithID keeps the events with id.
func relWithID(es []relEvent, id int) []relEvent {
	var out []relEvent
	for _, e := range es {
		if e.EventID == id {
			out = append(out, e)
		}
	}
	return out
}

// relEventFor reports whether es holds event id for path p (compared
// case-insensitively: case-clash events carry the path's key).
func relEventFor(es []relEvent, id int, p string) bool {
	for _, e := range es {
		if e.EventID == id && strings.EqualFold(e.Path, p) {
			return true
		}
	}
	return false
}

// relMachine is a machine whose cache (and so its state) lives at cache,
// e.g. on a small tmpfs. Its cleanup takes the mount down like newMachine's;
// register any mount holding cache before calling this, so the session is
// gone before that mount is.
func relMachine(t *testing.T, server, cache string) *machine {
	t.Helper()
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	m := &machine{t: t, server: server, cache: cache, mnt: mnt}
	t.Cleanup(m.forceDown)
	return m
}

// relTmpfs mounts a tmpfs of size (mount's syntax: "2m") at a new directory
// and unmounts it in the cleanup.
func relTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Logf("cleanup: umount %s: %v: %s; detaching it", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// relResizeTmpfs changes the size of a tmpfs relTmpfs mounted.
func relResizeTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s with size %s: %v: %s", dir, size, err, out)
	}
}

// relWrite writes data to p (created or truncated), fsyncs it when asked,
// and closes it. A nil result is an acknowledged write.
func relWrite(p string, flags int, data []byte, fsync bool) error {
	f, err := os.OpenFile(p, os.O_WRONLY|flags, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && fsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// relNode is an entry of a directory tree as lstat and read see it.
type relNode struct {
	Mode    fs.FileMode
	Size    int64
	MTime   time.Time
	Target  string // symlinks
	Content string // regular files of at most relContentLimit bytes
}

const relContentLimit = 16 << 20

// relTree snapshots the tree under root (paths relative, with '/'), never
// following a symlink and never reading a file larger than relContentLimit
// (a sparse file is described by its size only).
func relTree(t *testing.T, root string) map[string]relNode {
	t.Helper()
	out := map[string]relNode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		n := relNode{Mode: fi.Mode(), Size: fi.Size(), MTime: fi.ModTime()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			n.Target, err = os.Readlink(p)
		case fi.Mode().IsRegular() && fi.Size() <= relContentLimit:
			var b []byte
			b, err = os.ReadFile(p)
			n.Content = string(b)
		}
		out[filepath.ToSlash(rel)] = n
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return out
}

// relTemps lists the store's temporary entries (.roamfs-tmp-*) under root.
func relTemps(tree map[string]relNode) []string {
	var out []string
	for p := range tree {
		if strings.HasPrefix(filepath.Base(p), ".roamfs-tmp-") && !inIndexDeltas(p) {
			out = append(out, p)
		}
	}
	return out
}

// relKillDaemon SIGKILLs the session's daemon (its pid read from
// `status --json`, as an administrator would), waits for it to be gone and
// detaches the dead mount with `umount -l`. before runs just before the kill,
// after once the daemon is gone and before the detach (so that a program
// still working in the mount meets the dead mount, not the directory under it).
func relKillDaemon(t *testing.T, m *machine, before, after func()) int {
	t.Helper()
	pid := relStatusOf(t, m.cache).PID
	if pid <= 0 || (m.pid != 0 && pid != m.pid) {
		t.Fatalf("status --json gives daemon pid %d; logon said %d", pid, m.pid)
	}
	if before != nil {
		before()
	}
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	relWaitReaped(t, pid)
	m.pid = 0
	if after != nil {
		after()
	}
	relDetach(t, m.mnt)
	return pid
}

// relWaitReaped waits until a killed daemon is reaped (this process is the
// subreaper of the daemons). A killed multi-threaded process shows as a
// zombie as soon as its main thread is gone, while other threads may still
// be closing its descriptors — the journal's lock among them; it can be
// reaped only once every thread is gone.
func relWaitReaped(t *testing.T, pid int) {
	t.Helper()
	if !relReaped(pid, 30*time.Second) {
		t.Fatalf("daemon %d not gone 30 s after SIGKILL: %s", pid, cmdline(pid))
	}
}

// relReaped waits up to limit for pid to be reaped and reports whether it was.
func relReaped(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		reap(pid)
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); errors.Is(err, fs.ErrNotExist) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// relDetach lazily unmounts a (dead) mount.
func relDetach(t *testing.T, mnt string) {
	t.Helper()
	if !isMounted(mnt) {
		return
	}
	if out, err := exec.Command("umount", "-l", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount -l %s: %v: %s", mnt, err, out)
	}
	if isMounted(mnt) {
		t.Fatalf("%s still mounted after umount -l", mnt)
	}
}

// relErrno names the errno inside err, or says there is none.
func relErrno(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		return fmt.Sprintf("%s (%d)", unix.ErrnoName(e), int(e))
	}
	return fmt.Sprintf("no errno: %v", err)
}

// relRow is one line of the README's fault table.
type relRow struct {
	Fault                string
	Tried, Acked, Lost   int
	Note                 string
	skipped, failedCheck bool
}

var (
	relRowsMu sync.Mutex
	relRows   []relRow
)

// relReport logs a row of the fault table and keeps it for
// TestReliabilitySummary. failed marks a row whose test found a problem.
func relReport(t *testing.T, r relRow) {
	t.Helper()
	r.failedCheck = r.failedCheck || t.Failed()
	relRowsMu.Lock()
	relRows = append(relRows, r)
	relRowsMu.Unlock()
	t.Logf("README row: %s", relRowText(r))
}

func relRowText(r relRow) string {
	if r.skipped {
		return fmt.Sprintf("| %s | skipped | – | – | %s |", r.Fault, r.Note)
	}
	note := r.Note
	if r.failedCheck {
		note = strings.TrimSpace("FAILED CHECKS; " + note)
	}
	return fmt.Sprintf("| %s | %d | %d | %d | %s |", r.Fault, r.Tried, r.Acked, r.Lost, note)
}

const relTableHead = "| fault | times tried | acknowledged writes | writes lost | notes |\n|---|---|---|---|---|"
