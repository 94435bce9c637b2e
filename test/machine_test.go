package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// machine is one computer of a roaming user: a cache directory and a mount
// point, logging on to a shared server directory.
type machine struct {
	t      *testing.T
	server string
	cache  string
	mnt    string
	policy string // --policy file, "" for the defaults
	pid    int    // the daemon of the current session, 0 when logged off
}

// newMachine makes a machine in t.TempDir(). Its cleanup always takes the
// mount and the daemon down, whatever state the test left them in.
func newMachine(t *testing.T, server string) *machine {
	t.Helper()
	base := t.TempDir() // registered first, so it is removed after the unmount below
	m := &machine{t: t, server: server, cache: filepath.Join(base, "cache"), mnt: filepath.Join(base, "mnt")}
	if err := os.Mkdir(m.mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.forceDown)
	return m
}

// setPolicy gives the machine's next logons a policy file (YAML, Group Policy
// value names).
func (m *machine) setPolicy(yaml string) {
	m.t.Helper()
	m.policy = filepath.Join(filepath.Dir(m.cache), "policy.yaml")
	if err := os.WriteFile(m.policy, []byte(yaml), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// newServer is an empty server directory: the first logon gets the default
// profile.
func newServer(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "server", "alice")
}

// p is rel's path in the mount.
func (m *machine) p(rel string) string { return filepath.Join(m.mnt, filepath.FromSlash(rel)) }

type cliResult struct {
	stdout, stderr string
	code           int
}

// roamfs runs the built binary; err is set only when it could not run or
// did not finish in time.
func roamfs(args ...string) (cliResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, roamfsBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		res.code, err = ee.ExitCode(), nil
	}
	if err != nil {
		return res, fmt.Errorf("roamfs %s: %w", strings.Join(args, " "), err)
	}
	return res, nil
}

// must runs roamfs and fails the test unless it exits 0.
func must(t *testing.T, args ...string) string {
	t.Helper()
	r, err := roamfs(args...)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 {
		t.Fatalf("roamfs %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

var daemonPid = regexp.MustCompile(`daemon pid (\d+)`)

// logon mounts the profile; it returns when the mount is ready (logon itself
// waits for the daemon to say so).
func (m *machine) logon() {
	m.t.Helper()
	args := []string{"logon", "--server", m.server, "--cache", m.cache}
	if m.policy != "" {
		args = append(args, "--policy", m.policy)
	}
	out := must(m.t, append(args, m.mnt)...)
	if !isMounted(m.mnt) {
		m.t.Fatalf("logon exited 0 but %s is not a roamfs mount (output: %s)", m.mnt, out)
	}
	if g := daemonPid.FindStringSubmatch(out); g != nil {
		m.pid, _ = strconv.Atoi(g[1])
	} else {
		m.pid = m.status().PID
	}
	if m.pid <= 0 {
		m.t.Fatalf("cannot tell the daemon's pid: logon said %q", out)
	}
}

// syncResult is `roamfs logoff --json`.
type syncResult struct {
	Time      time.Time `json:"time"`
	OK        bool      `json:"ok"`
	Uploaded  int       `json:"uploaded"`
	Deleted   int       `json:"deleted"`
	Kept      int       `json:"kept"`
	Conflicts int       `json:"conflicts"`
	Error     string    `json:"error"`
}

// logoff runs `roamfs logoff --json [flags] MOUNTPOINT`, then waits for the
// daemon to finish exiting, so the next command finds the cache free.
func (m *machine) logoff(flags ...string) syncResult {
	m.t.Helper()
	args := append(append([]string{"logoff", "--json"}, flags...), m.mnt)
	out := must(m.t, args...)
	var res syncResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		m.t.Fatalf("logoff --json printed %q: %v", out, err)
	}
	if !res.OK {
		m.t.Fatalf("logoff exited 0 with a failed result: %+v", res)
	}
	if isMounted(m.mnt) {
		m.t.Fatalf("%s is still mounted after logoff", m.mnt)
	}
	m.waitDaemon()
	return res
}

// waitDaemon waits for the session's daemon to exit after its mount went away.
func (m *machine) waitDaemon() {
	m.t.Helper()
	if m.pid == 0 {
		return
	}
	if left := waitGone([]int{m.pid}, time.Minute); len(left) > 0 {
		m.t.Fatalf("daemon %d still running a minute after its mount went away: %s", m.pid, cmdline(m.pid))
	}
	m.pid = 0
}

// journalEntry is one line of `roamfs journal --json`.
type journalEntry struct {
	Seq     uint64 `json:"seq"`
	Time    string `json:"time"`
	Session string `json:"session"`
	Op      string `json:"op"`
	Path    string `json:"path"`
	OldPath string `json:"old_path"`
	Size    int64  `json:"size"`
	Synced  bool   `json:"synced"`
}

func (m *machine) journal(all bool) []journalEntry {
	m.t.Helper()
	args := []string{"journal", "--json", "--cache", m.cache}
	if all {
		args = append(args, "--all")
	}
	out := must(m.t, args...)
	var es []journalEntry
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e journalEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			m.t.Fatalf("journal --json line %q: %v", line, err)
		}
		es = append(es, e)
	}
	return es
}

// profileStatus is `roamfs status --json` (the fields the tests read).
type profileStatus struct {
	LocalPath      string          `json:"LocalPath"`
	RoamingPath    string          `json:"RoamingPath"`
	Loaded         bool            `json:"Loaded"`
	LastUploadTime *time.Time      `json:"LastUploadTime"`
	PendingChanges int             `json:"PendingChanges"`
	LastSyncResult json.RawMessage `json:"LastSyncResult"`
	PID            int             `json:"PID"`
}

func (m *machine) status() profileStatus {
	m.t.Helper()
	out := must(m.t, "status", "--json", "--cache", m.cache)
	var st profileStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		m.t.Fatalf("status --json printed %q: %v", out, err)
	}
	return st
}

// forceDown is the cleanup: logoff, else a lazy umount, else kill whatever
// roamfs process still names this machine's cache or mount point.
func (m *machine) forceDown() {
	t := m.t
	if isMounted(m.mnt) {
		if r, err := roamfs("logoff", m.mnt); err != nil || r.code != 0 {
			t.Logf("cleanup: logoff %s: exit %d: %v %s", m.mnt, r.code, err, r.stderr)
		}
	}
	if isMounted(m.mnt) {
		if out, err := exec.Command("umount", "-l", m.mnt).CombinedOutput(); err != nil {
			t.Logf("cleanup: umount -l %s: %v: %s", m.mnt, err, out)
		}
	}
	pids := append(pidsNaming(m.cache), pidsNaming(m.mnt)...)
	if m.pid != 0 {
		pids = append(pids, m.pid)
	}
	left := waitGone(pids, 30*time.Second)
	for _, p := range left {
		t.Logf("cleanup: killing roamfs process %d: %s", p, cmdline(p))
		unix.Kill(p, unix.SIGKILL)
	}
	if left = waitGone(left, 10*time.Second); len(left) > 0 {
		t.Errorf("cleanup: roamfs processes %v survive SIGKILL", left)
	}
	m.pid = 0
}
