package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIVersionAndExitCodes: `roamfs version` and `--version` name the
// build; an unknown command and an unreadable policy file are usage or
// configuration errors (exit 2), as the contract says of every such mistake.
func TestCLIVersionAndExitCodes(t *testing.T) {
	out := must(t, "version")
	if !strings.HasPrefix(out, "roamfs ") || !strings.Contains(out, "go1.") || !strings.Contains(out, "go-fuse") {
		t.Errorf("roamfs version: %q", out)
	}
	if v := must(t, "--version"); v != out {
		t.Errorf("--version %q differs from version %q", v, out)
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(must(t, "version", "--json")), &b); err != nil || b["version"] == "" || b["go_version"] == "" {
		t.Errorf("version --json: %v %v", b, err)
	}
	missing := filepath.Join(t.TempDir(), "no-such-policy.yaml")
	m := newMachine(t, newServer(t))
	for _, args := range [][]string{
		{"no-such-command"},
		{"policy", "show", "--policy", missing},
		{"logon", "--server", m.server, "--cache", m.cache, "--policy", missing, m.mnt},
	} {
		r, err := roamfs(args...)
		if err != nil {
			t.Fatal(err)
		}
		if r.code != 2 {
			t.Errorf("roamfs %s: exit %d, want 2 (stderr %q)", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	// sync with a missing policy file: the cache must exist first.
	m.logon()
	m.logoff()
	r, err := roamfs("sync", "--cache", m.cache, "--policy", missing)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 2 || !strings.Contains(r.stderr, "no-such-policy.yaml") {
		t.Errorf("sync with a missing policy file: exit %d, stderr %q; want 2 naming the file", r.code, r.stderr)
	}
}

// TestCLIJSONListings: `events --json` and `policy show --json` print one
// JSON object per line, events with their level and whether the id is
// Windows' own; roamfs' own events are outside Windows' 1500–1545.
func TestCLIJSONListings(t *testing.T) {
	ids := map[int]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(must(t, "events", "--json")), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("events --json line %q: %v", line, err)
		}
		ids[int(e["id"].(float64))] = e
	}
	for id, want := range map[int]string{1: "windows", 1521: "windows", 1701: "roamfs", 1709: "roamfs"} {
		if e := ids[id]; e == nil || e["source"] != want || e["level"] == "" || e["meaning"] == "" {
			t.Errorf("event %d: %v, want source %s with level and meaning", id, e, want)
		}
	}
	for id, e := range ids {
		if e["source"] == "roamfs" && id >= 1500 && id <= 1545 {
			t.Errorf("roamfs' own event %d uses an id of Windows' profile service", id)
		}
	}
	pol := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(pol, []byte("MassDeletePercent: 20\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(must(t, "policy", "show", "--json", "--policy", pol)), "\n") {
		var s map[string]string
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("policy show --json line %q: %v", line, err)
		}
		if s["key"] == "MassDeletePercent" {
			found = s["origin"] == "set" && s["value"] == "20"
		}
	}
	if !found {
		t.Error("policy show --json does not list MassDeletePercent as set to 20")
	}
}

// TestLogonRefusesNonEmptyMountPoint: files in the mount point would vanish
// from view until logoff; logon refuses (exit 2, nothing mounted) unless
// --allow-non-empty, and then the files are back after logoff.
func TestLogonRefusesNonEmptyMountPoint(t *testing.T) {
	m := newMachine(t, newServer(t))
	if err := os.MkdirAll(m.mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(m.mnt, "local.txt"), "mine")
	r, err := roamfs("logon", "--server", m.server, "--cache", m.cache, m.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 2 || !strings.Contains(r.stderr, "not empty") || !strings.Contains(r.stderr, "--allow-non-empty") {
		t.Errorf("logon over a non-empty folder: exit %d, stderr %q; want 2 naming --allow-non-empty", r.code, r.stderr)
	}
	if isMounted(m.mnt) {
		t.Fatal("refused logon left a mount")
	}
	out := must(t, "logon", "--allow-non-empty", "--server", m.server, "--cache", m.cache, m.mnt)
	if !isMounted(m.mnt) {
		t.Fatalf("logon --allow-non-empty did not mount: %s", out)
	}
	m.pid = m.status().PID
	if _, err := os.Stat(m.p("local.txt")); err == nil {
		t.Error("the folder's own file shows through the mount")
	}
	m.logoff()
	if got, err := os.ReadFile(filepath.Join(m.mnt, "local.txt")); err != nil || string(got) != "mine" {
		t.Errorf("after logoff the mount point's own file reads %q, %v", got, err)
	}
}

// TestLogIsJSONWithEventIDs: a failed logon and a full session leave a log of
// JSON lines only (the daemon's own output goes to a file of its own), and
// every error carries an event id.
func TestLogIsJSONWithEventIDs(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("Documents/a.txt"), "a")
	m.logoff()
	// A logon that fails in the daemon: the server copy is a file, and a
	// new cache cannot stand in for it.
	notDir := filepath.Join(t.TempDir(), "profile")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	m2 := newMachine(t, notDir)
	m2.cache = m.cache + "-2"
	if r, _ := roamfs("logon", "--server", m2.server, "--cache", m2.cache, m2.mnt); r.code == 0 {
		t.Fatal("logon without a server copy or a cache succeeded")
	} else if !strings.Contains(r.stderr, "the server side") || !strings.Contains(r.stderr, "log on again") {
		t.Errorf("the failed logon does not say which side is at fault and what to do: %q", r.stderr)
	}
	failed := false
	if data, err := os.ReadFile(filepath.Join(m2.cache, "state", "roamfs.log")); err == nil {
		failed = strings.Contains(string(data), `"event_id":1710`)
	}
	if !failed {
		t.Error("the failed logon left no event 1710 in the log")
	}
	data, err := os.ReadFile(filepath.Join(m.cache, "state", "roamfs.log"))
	if err != nil {
		t.Fatal(err)
	}
	data2, _ := os.ReadFile(filepath.Join(m2.cache, "state", "roamfs.log"))
	for i, line := range strings.Split(strings.TrimSpace(string(data)+"\n"+string(data2)), "\n") {
		if line == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Errorf("log line %d is not JSON: %q", i+1, line)
			continue
		}
		if e["level"] == "error" && e["event_id"] == nil {
			t.Errorf("log line %d: an error without an event id: %s", i+1, line)
		}
	}
}

// TestManPages: `make install`'s man pages come from the commands: one per
// command, the logon page naming its flags.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	must(t, "docs", dir)
	for _, page := range []string{"roamfs.1", "roamfs-logon.1", "roamfs-logoff.1", "roamfs-conflicts.1", "roamfs-journal.1"} {
		if _, err := os.Stat(filepath.Join(dir, page)); err != nil {
			t.Errorf("man page %s: %v", page, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "roamfs-logon.1")); err != nil || !strings.Contains(string(b), "allow-non-empty") {
		t.Errorf("roamfs-logon.1 does not document its flags: %v", err)
	}
}

// TestUnmountFailedEvent: a logoff whose mount is busy (a program's working
// folder is in it) fails, says what to do, and logs the failure at error
// level with its event id (1714); the session goes on, and the next logoff
// once the program is gone syncs.
func TestUnmountFailedEvent(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("Documents/a.txt"), "a")
	busy := exec.Command("sleep", "120")
	busy.Dir = m.p("Documents")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { busy.Process.Kill(); busy.Wait() }()
	r, err := roamfs("logoff", m.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if r.code == 0 || !strings.Contains(r.stderr, "cannot unmount") {
		t.Fatalf("logoff of a busy mount: exit %d, stderr %q; want a failure saying it cannot unmount", r.code, r.stderr)
	}
	var found bool
	for _, e := range hpEvents(t, m.cache) {
		if e.EventID == 1714 {
			found = e.Level == "error"
		}
	}
	if !found {
		t.Error("the failed unmount left no error line with event 1714 in the log")
	}
	if !isMounted(m.mnt) {
		t.Fatal("the session did not go on after the failed unmount")
	}
	busy.Process.Kill()
	busy.Wait()
	m.logoff()
	if _, err := os.Stat(filepath.Join(m.server, "Documents", "a.txt")); err != nil {
		t.Errorf("the logoff after the failed one: %v", err)
	}
}
