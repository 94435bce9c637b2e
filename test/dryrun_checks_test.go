package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dryRunSummary is the last line of `--dry-run --json`.
type dryRunSummary struct {
	Summary  map[string]int `json:"summary"`
	Code     int            `json:"code"`
	Error    string         `json:"error"`
	ReadOnly string         `json:"read_only"`
}

// dryRun runs `logoff --dry-run --json` (or the args given) and returns the
// exit code, the steps by action and the summary line.
func dryRun(t *testing.T, args ...string) (int, map[string]int, dryRunSummary) {
	t.Helper()
	r, err := roamfs(args...)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]int{}
	var sum dryRunSummary
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for i, line := range lines {
		if i == len(lines)-1 {
			if err := json.Unmarshal([]byte(line), &sum); err != nil || sum.Summary == nil {
				t.Fatalf("%s: last line %q is not the summary: %v", strings.Join(args, " "), line, err)
			}
			continue
		}
		var e map[string]string
		if err := json.Unmarshal([]byte(line), &e); err != nil || e["action"] == "" {
			t.Fatalf("%s: step line %q: %v", strings.Join(args, " "), line, err)
		}
		steps[e["action"]]++
	}
	return r.code, steps, sum
}

// TestDryRunExitsAsTheRealLogoff: over the size limit the dry run prints
// its plan and exits 3 as the logoff then does; under it, it exits 0 and the
// logoff does what the plan said.
func TestDryRunExitsAsTheRealLogoff(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.setPolicy("EnableProfileQuota: true\nMaxProfileSize: 300\n")
	m.logon()
	write(t, m.p("Documents/big.bin"), strings.Repeat("x", 400<<10))
	write(t, m.p("Documents/small.txt"), "small")
	code, steps, sum := dryRun(t, "logoff", "--dry-run", "--json", m.mnt)
	if code != 3 || sum.Code != 3 || steps["upload"] != 2 {
		t.Errorf("dry run over the limit: exit %d, summary %+v, steps %v; want exit 3 with both uploads planned", code, sum, steps)
	}
	r, err := roamfs("logoff", m.mnt)
	if err != nil || r.code != 3 {
		t.Fatalf("real logoff over the limit: exit %d (%v), want 3", r.code, err)
	}
	if err := os.Remove(m.p("Documents/big.bin")); err != nil {
		t.Fatal(err)
	}
	code, steps, sum = dryRun(t, "logoff", "--dry-run", "--json", m.mnt)
	if code != 0 || sum.Code != 0 {
		t.Errorf("dry run under the limit: exit %d, summary %+v", code, sum)
	}
	res := m.logoff()
	if res.Uploaded != steps["upload"] || res.Deleted != steps["delete-server"] {
		t.Errorf("logoff did %+v, the dry run planned %v", res, steps)
	}
}

// TestDryRunMassDelete: a logoff held by the mass-delete guard: the dry run
// prints the whole plan, exits 1 like the real logoff, and logs no event;
// with --allow-mass-delete it exits 0. The real logoff logs the hold.
func TestDryRunMassDelete(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	for i := range 30 {
		write(t, m.p(fmt.Sprintf("Documents/f%02d.txt", i)), "x")
	}
	m.logoff()
	m.logon()
	for i := range 30 {
		if err := os.Remove(m.p(fmt.Sprintf("Documents/f%02d.txt", i))); err != nil {
			t.Fatal(err)
		}
	}
	before := len(hpWithID(hpEvents(t, m.cache), 1707, ""))
	code, steps, sum := dryRun(t, "logoff", "--dry-run", "--json", m.mnt)
	if code != 1 || sum.Code != 1 || steps["delete-server"] != 30 || !strings.Contains(sum.Error, "--allow-mass-delete") {
		t.Errorf("held dry run: exit %d, summary %+v, steps %v; want exit 1 with the 30 deletions listed", code, sum, steps)
	}
	table, _ := roamfs("logoff", "--dry-run", m.mnt)
	if table.code != 1 || !strings.Contains(table.stdout, "dry run: 30 steps (30 delete-server)") {
		t.Errorf("plain held dry run: exit %d:\n%s", table.code, table.stdout)
	}
	if after := len(hpWithID(hpEvents(t, m.cache), 1707, "")); after != before {
		t.Errorf("dry runs logged %d mass-delete events (false alerts)", after-before)
	}
	if code, _, _ := dryRun(t, "logoff", "--dry-run", "--json", "--allow-mass-delete", m.mnt); code != 0 {
		t.Errorf("dry run with --allow-mass-delete: exit %d, want 0", code)
	}
	r, err := roamfs("logoff", m.mnt)
	if err != nil || r.code != 1 {
		t.Fatalf("real logoff: exit %d (%v), want 1 (held)", r.code, err)
	}
	if after := len(hpWithID(hpEvents(t, m.cache), 1707, "")); after != before+1 {
		t.Errorf("the held logoff logged %d mass-delete events, want 1", after-before)
	}
	res := m.logoff("--allow-mass-delete")
	if res.Deleted != 30 {
		t.Errorf("logoff --allow-mass-delete deleted %d, want 30", res.Deleted)
	}
}

// TestSyncDryRun: `sync --dry-run` plans the pending changes of a cache
// without a session and changes nothing.
func TestSyncDryRun(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("Documents/pending.txt"), "p")
	pid := m.pid
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if left := waitGone([]int{pid}, 30*time.Second); len(left) > 0 {
		t.Fatalf("daemon %d survives SIGKILL", pid)
	}
	m.pid = 0
	if out, err := exec.Command("umount", "-l", m.mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount -l: %v %s", err, out)
	}
	code, steps, _ := dryRun(t, "sync", "--dry-run", "--json", "--cache", m.cache)
	if code != 0 || steps["upload"] != 1 {
		t.Errorf("sync --dry-run: exit %d, steps %v; want the one upload", code, steps)
	}
	if _, err := os.Stat(m.server + "/Documents/pending.txt"); err == nil {
		t.Error("sync --dry-run uploaded")
	}
	if j := m.journal(false); len(j) == 0 {
		t.Error("sync --dry-run marked the journal synced")
	}
	must(t, "sync", "--cache", m.cache)
	if _, err := os.Stat(m.server + "/Documents/pending.txt"); err != nil {
		t.Errorf("the sync after the dry run: %v", err)
	}
}

// TestDryRunReadOnly: on a read-only profile (the ReadOnlyProfile policy,
// or a mandatory profile: NTUSER.MAN on the server) the real logoff or sync
// uploads nothing and discards every change. The dry run says so: every
// step "discard", its summary counting them, the real command's exit code,
// and the real command's Discarded equal to the plan, the server untouched.
func TestDryRunReadOnly(t *testing.T) {
	type realResult struct {
		OK        bool `json:"ok"`
		Uploaded  int  `json:"uploaded"`
		Deleted   int  `json:"deleted"`
		Discarded int  `json:"discarded"`
	}
	change := func(t *testing.T, m *machine) {
		write(t, m.p("Documents/new.txt"), "new")
		write(t, m.p("Documents/readme.txt"), "user's edit")
		if err := os.Mkdir(m.p("Documents/folder"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, m *machine, want tree, dry []string, real ...string) {
		code, steps, sum := dryRun(t, dry...)
		if code != 0 || sum.Code != 0 || sum.ReadOnly == "" || steps["discard"] == 0 || len(steps) != 1 || sum.Summary["discard"] != steps["discard"] {
			t.Errorf("%v: exit %d, steps %v, summary %+v; want exit 0, every step a discard, read_only set", dry, code, steps, sum)
		}
		plain, _ := roamfs(slices.DeleteFunc(slices.Clone(dry), func(a string) bool { return a == "--json" })...)
		if plain.code != 0 || !strings.Contains(plain.stdout, "discarding every change") || strings.Contains(plain.stdout, "\nupload ") {
			t.Errorf("plain %v: exit %d:\n%s", dry, plain.code, plain.stdout)
		}
		r, err := roamfs(real...)
		if err != nil || r.code != 0 {
			t.Fatalf("%v: exit %d (%v)\n%s%s", real, r.code, err, r.stdout, r.stderr)
		}
		var res realResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("%v printed %q: %v", real, r.stdout, err)
		}
		if !res.OK || res.Uploaded != 0 || res.Deleted != 0 || res.Discarded != steps["discard"] {
			t.Errorf("%v did %+v; the dry run planned %v", real, res, steps)
		}
		requireSameTree(t, "server copy after a read-only logoff", snapshot(t, m.server, nil), want, hpSameWithTimes)
	}

	t.Run("ReadOnlyProfile", func(t *testing.T) {
		m := newMachine(t, newServer(t))
		m.logon()
		write(t, m.p("Documents/readme.txt"), "v1")
		m.logoff()
		want := snapshot(t, m.server, nil)
		m.setPolicy("ReadOnlyProfile: true\n")
		m.logon()
		change(t, m)
		check(t, m, want, []string{"logoff", "--dry-run", "--json", m.mnt}, "logoff", "--json", m.mnt)
		m.waitDaemon()
	})

	t.Run("mandatory", func(t *testing.T) {
		server := newServer(t)
		man := make([]byte, 8192)
		copy(man, "regf")
		hpWriteFile(t, filepath.Join(server, "NTUSER.MAN"), man)
		hpWriteFile(t, filepath.Join(server, "Documents", "readme.txt"), []byte("company readme"))
		want := snapshot(t, server, nil)
		m := newMachine(t, server)
		m.logon()
		change(t, m)
		// A sync of the cache of a killed daemon, as after a crash.
		pid := m.pid
		if err := unix.Kill(pid, unix.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if left := waitGone([]int{pid}, 30*time.Second); len(left) > 0 {
			t.Fatalf("daemon %d survives SIGKILL", pid)
		}
		m.pid = 0
		if out, err := exec.Command("umount", "-l", m.mnt).CombinedOutput(); err != nil {
			t.Fatalf("umount -l: %v %s", err, out)
		}
		check(t, m, want, []string{"sync", "--dry-run", "--json", "--cache", m.cache}, "sync", "--json", "--cache", m.cache)
	})
}
