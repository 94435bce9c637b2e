package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Helpers of hive_test.go and policy_test.go. Their names start with hp so
// that they cannot clash with helpers other test files add.

// hpStatus is `roamfs status --json` with the fields the hive and policy
// tests read (machine.status has the common ones).
type hpStatus struct {
	Loaded                           bool       `json:"Loaded"`
	LastUploadTime                   *time.Time `json:"LastUploadTime"`
	LastBackgroundRegistryUploadTime *time.Time `json:"LastBackgroundRegistryUploadTime"`
	PendingChanges                   int        `json:"PendingChanges"`
	ProfileSizeKB                    *int64     `json:"ProfileSizeKB"`
	MaxProfileSizeKB                 *int64     `json:"MaxProfileSizeKB"`
	Session                          string     `json:"Session"`
	PID                              int        `json:"PID"`
}

func hpStatusOf(t *testing.T, cache string) hpStatus {
	t.Helper()
	out := must(t, "status", "--json", "--cache", cache)
	var st hpStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json printed %q: %v", out, err)
	}
	return st
}

// hpRun runs roamfs and fails the test only when it could not run at all.
func hpRun(t *testing.T, args ...string) cliResult {
	t.Helper()
	r, err := roamfs(args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hpLogonArgs is the command line machine.logon uses, with extra flags.
func hpLogonArgs(m *machine, extra ...string) []string {
	args := []string{"logon", "--server", m.server, "--cache", m.cache}
	if m.policy != "" {
		args = append(args, "--policy", m.policy)
	}
	args = append(args, extra...)
	return append(args, m.mnt)
}

// hpLogonAs is machine.logon with extra flags (e.g. --user NAME).
func hpLogonAs(m *machine, extra ...string) {
	m.t.Helper()
	out := must(m.t, hpLogonArgs(m, extra...)...)
	if !isMounted(m.mnt) {
		m.t.Fatalf("logon exited 0 but %s is not a roamfs mount (output: %s)", m.mnt, out)
	}
	if g := daemonPid.FindStringSubmatch(out); g != nil {
		m.pid, _ = strconv.Atoi(g[1])
	} else {
		m.pid = hpStatusOf(m.t, m.cache).PID
	}
	if m.pid <= 0 {
		m.t.Fatalf("cannot tell the daemon's pid: logon said %q", out)
	}
}

// hpLogoffOutcome runs `roamfs logoff` (human output) and, when the mount
// went away, waits for the daemon like machine.logoff.
func hpLogoffOutcome(m *machine, extra ...string) cliResult {
	m.t.Helper()
	r := hpRun(m.t, append(append([]string{"logoff"}, extra...), m.mnt)...)
	if !isMounted(m.mnt) {
		m.waitDaemon()
	}
	return r
}

// hpEvent is one JSON line of CACHE/state/roamfs.log.
type hpEvent struct {
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	EventID int    `json:"event_id"`
	Session string `json:"session"`
	raw     string
}

// hpEvents reads the cache's log; lines that are not JSON (a panic's
// trace) are skipped.
func hpEvents(t *testing.T, cache string) []hpEvent {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(cache, "state", "roamfs.log"))
	if err != nil {
		t.Fatalf("read the session log: %v", err)
	}
	var out []hpEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e hpEvent
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			e.raw = sc.Text()
			out = append(out, e)
		}
	}
	return out
}

// hpWithID keeps the events with id (and, when session is not "", of that
// session).
func hpWithID(es []hpEvent, id int, session string) []hpEvent {
	var out []hpEvent
	for _, e := range es {
		if e.EventID == id && (session == "" || e.Session == session) {
			out = append(out, e)
		}
	}
	return out
}

func hpDumpEvents(es []hpEvent) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString("\t")
		b.WriteString(e.raw)
		b.WriteString("\n")
	}
	return b.String()
}

// hpWaitFor polls cond every 50ms up to limit; it reports whether cond
// became true. It waits for an outcome, it never measures time.
func hpWaitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hpTemps lists every file below root whose name ends in .tmp or starts
// with roamfs' temporary prefix: none may be left after a successful sync.
func hpTemps(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n := strings.ToLower(d.Name())
		if !d.IsDir() && (strings.HasSuffix(n, ".tmp") || strings.HasPrefix(n, ".roamfs-tmp")) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return out
}

// hpSameWithTimes compares content and modification time: a server copy
// that nothing may have touched must keep both (directories too, so that an
// entry created and removed again shows).
func hpSameWithTimes(_ string, g, w entry) string {
	if why := sameContent(g, w); why != "" {
		return why
	}
	if g.Kind != "symlink" && !g.MTime.Equal(w.MTime) {
		return "mtime"
	}
	return ""
}

// hpWriteFile creates the parents and writes data (0644).
func hpWriteFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hpFileIs reports (as an error string, "" when fine) whether p holds want.
func hpFileIs(p string, want []byte) string {
	got, err := os.ReadFile(p)
	if err != nil {
		return err.Error()
	}
	if !bytes.Equal(got, want) {
		return fmt.Sprintf("%d bytes (sha %.12s), want %d bytes (sha %.12s)", len(got), sum(string(got)), len(want), sum(string(want)))
	}
	return ""
}

// hpUser is a local account the --user tests run commands as.
type hpUser struct {
	Name     string
	UID, GID int
}

// hpAccount returns user name, creating it (no home, no login shell) when
// missing; the test is skipped when that is impossible here.
func hpAccount(t *testing.T, name string) hpUser {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		out, err := exec.Command("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name).CombinedOutput()
		if err != nil {
			t.Skipf("cannot create test user %s: %v: %s", name, err, out)
		}
		if u, err = user.Lookup(name); err != nil {
			t.Skipf("user %s created but not found: %v", name, err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return hpUser{Name: u.Username, UID: uid, GID: gid}
}

// run runs a shell script as the user, with no supplementary groups.
func (u hpUser) run(script string) (string, error) {
	cmd := exec.Command("setpriv", "--reuid="+strconv.Itoa(u.UID), "--regid="+strconv.Itoa(u.GID), "--clear-groups",
		"--", "/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// hpOpenToOthers lets every user traverse the directories from the run's
// root down to dir (t.TempDir and the run's root are 0700): a --user test's
// mount point must be reachable for the permissions under it to matter.
func hpOpenToOthers(t *testing.T, dir string) {
	t.Helper()
	for d := dir; strings.HasPrefix(d, testRoot); d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
			t.Fatal(err)
		}
		if d == testRoot {
			break
		}
	}
}

// hpQuote quotes s for /bin/sh.
func hpQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var hpHiveTemp = regexp.MustCompile(`(?i)^NTUSER\.DAT\.\{[0-9a-f-]{36}\}\.tmp$`)
