package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStatusAfterKilledDaemon: a daemon killed without logging off leaves a
// stale mount; status prints the profile, says what happened and what to do,
// and exits 1. The logoff it names then syncs the pending change.
func TestStatusAfterKilledDaemon(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("Documents/kept.txt"), "kept")
	pid := m.pid
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if left := waitGone([]int{pid}, 30*time.Second); len(left) > 0 {
		t.Fatalf("daemon %d survives SIGKILL", pid)
	}
	r, err := roamfs("status", "--cache", m.cache)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 1 || !strings.Contains(r.stderr, "gone without logging off") || !strings.Contains(r.stderr, "roamfs logoff "+m.mnt) {
		t.Errorf("status after a killed daemon: exit %d, stderr %q; want 1 naming the stale mount and `roamfs logoff`", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Status:") || !strings.Contains(r.stdout, "roaming") {
		t.Errorf("status printed no profile or no Status in words:\n%s", r.stdout)
	}
	r, err = roamfs("status", "--json", "--cache", m.cache)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if r.code != 1 || json.Unmarshal([]byte(r.stdout), &st) != nil || st["Loaded"] != false {
		t.Errorf("status --json after a killed daemon: exit %d, %q", r.code, r.stdout)
	}
	m.pid = 0
	must(t, "logoff", m.mnt)
	if got, err := os.ReadFile(m.server + "/Documents/kept.txt"); err != nil || string(got) != "kept" {
		t.Errorf("server after the logoff status named: %q, %v", got, err)
	}
	if r, _ := roamfs("status", "--cache", m.cache); r.code != 0 {
		t.Errorf("status after the logoff: exit %d, %s", r.code, r.stderr)
	}
}

// TestIdleSyncKeepsLastResult: a sync with nothing to do does not replace
// the last sync that did something in the status.
func TestIdleSyncKeepsLastResult(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("Documents/a.txt"), "a")
	m.logoff()
	before := m.status().LastSyncResult
	must(t, "sync", "--cache", m.cache)
	if after := m.status().LastSyncResult; string(after) != string(before) {
		t.Errorf("an idle sync replaced the last result %s with %s", before, after)
	}
	var res syncResult
	if json.Unmarshal(before, &res) != nil || res.Uploaded == 0 {
		t.Errorf("last result %s does not show the upload", before)
	}
}

// TestJournalFilters: --path, --op, --session, --since and --limit through
// the built binary, and human times and sizes in the table.
func TestJournalFilters(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("Documents/a.txt"), strings.Repeat("x", 3000))
	write(t, m.p("Desktop/b.txt"), "b")
	m.logoff()
	m.logon()
	write(t, m.p("documents/c.txt"), "c")
	m.logoff()
	all := m.journalArgs("--all")
	if len(all) < 3 {
		t.Fatalf("journal --all: %d entries", len(all))
	}
	for _, e := range m.journalArgs("--all", "--path", `Documents`) {
		if l := strings.ToLower(e.Path); l != "documents" && !strings.HasPrefix(l, "documents/") {
			t.Errorf("--path Documents listed %s", e.Path)
		}
	}
	if n := len(m.journalArgs("--all", "--path", "Documents")); n < 2 {
		t.Errorf("--path Documents: %d entries, want both sessions' files", n)
	}
	last := m.journalArgs("--all", "--limit", "1")
	if len(last) != 1 || last[0].Seq != all[len(all)-1].Seq {
		t.Errorf("--limit 1: %+v, want the last entry %+v", last, all[len(all)-1])
	}
	sess := all[len(all)-1].Session
	for _, e := range m.journalArgs("--all", "--session", sess[:8]) {
		if e.Session != sess {
			t.Errorf("--session %s listed session %s", sess[:8], e.Session)
		}
	}
	if got := m.journalArgs("--all", "--since", "1h"); len(got) != len(all) {
		t.Errorf("--since 1h: %d entries, want all %d", len(got), len(all))
	}
	if got := m.journalArgs("--all", "--since", "2099-01-01"); len(got) != 0 {
		t.Errorf("--since 2099-01-01: %d entries", len(got))
	}
	for _, e := range m.journalArgs("--all", "--op", "unlink,rename") {
		t.Errorf("--op unlink,rename listed a %s", e.Op)
	}
	table := must(t, "journal", "--all", "--cache", m.cache)
	if strings.Contains(table, "Z ") || !strings.Contains(table, "KiB") {
		t.Errorf("journal table without human times and sizes:\n%s", table)
	}
	if r, _ := roamfs("journal", "--cache", m.cache, "--since", "yesterday-ish"); r.code != 2 {
		t.Errorf("journal --since yesterday-ish: exit %d, want 2", r.code)
	}
}

func (m *machine) journalArgs(args ...string) []journalEntry {
	m.t.Helper()
	out := must(m.t, append([]string{"journal", "--json", "--cache", m.cache}, args...)...)
	var es []journalEntry
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var e journalEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			m.t.Fatalf("journal line %q: %v", line, err)
		}
		es = append(es, e)
	}
	return es
}

// TestLogoffInterrupted: Ctrl-C of a waiting `roamfs logoff` says that the
// daemon goes on, exits 130, and the daemon does finish the sync.
func TestLogoffInterrupted(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	big := strings.Repeat("z", 64<<10)
	for i := range 1500 {
		write(t, m.p(fmt.Sprintf("Documents/many/f%04d", i)), big)
	}
	cmd := exec.Command(roamfsBin, "logoff", m.mnt)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the logoff is under way (the mount is gone: the sync
	// runs), not before the CLI has even asked for it.
	for deadline := time.Now().Add(time.Minute); isMounted(m.mnt) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code == 0 {
		t.Skipf("the logoff finished before the interrupt (%v)", err)
	}
	if code != 130 || !strings.Contains(stderr.String(), "goes on in the background") {
		t.Errorf("interrupted logoff: exit %d, stderr %q; want 130 saying the daemon goes on", code, stderr.String())
	}
	m.waitDaemon()
	if isMounted(m.mnt) {
		t.Fatal("still mounted after the daemon ended")
	}
	if _, err := os.Stat(filepath.Join(m.server, "Documents/many/f1499")); err != nil {
		t.Errorf("the daemon did not finish the logoff after the CLI was interrupted: %v", err)
	}
}
