package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The live profile (issue 14) through the built binary and real mounts: two
// machines of one user logged on at once, each writing back and pulling every
// second (PSMidSessionWriteBackInterval: 1s).

const livePolicy = "PSMidSessionWriteBackInterval: 1s\n"

// liveRounds is how long a change may take to reach the other machine:
// two rounds of each, with room for a slow machine.
const liveRounds = 20 * time.Second

func liveMachines(t *testing.T, n int) (string, []*machine) {
	t.Helper()
	server := newServer(t)
	first := newMachine(t, server)
	first.setPolicy(livePolicy)
	first.logon()
	first.logoff() // the server copy exists: the others log on to it
	ms := []*machine{first}
	for range n - 1 {
		m := newMachine(t, server)
		m.setPolicy(livePolicy)
		ms = append(ms, m)
	}
	for _, m := range ms {
		m.logon()
	}
	return server, ms
}

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// contentIs waits until p holds want (read through a fresh open each time).
func contentIs(p, want string) bool {
	return hpWaitFor(liveRounds, func() bool {
		b, err := os.ReadFile(p)
		return err == nil && string(b) == want
	})
}

func goneWithin(p string) bool {
	return hpWaitFor(liveRounds, func() bool {
		_, err := os.Lstat(p)
		return os.IsNotExist(err)
	})
}

func TestLiveWriteAppearsAndDeleteReaches(t *testing.T) {
	server, ms := liveMachines(t, 2)
	a, b := ms[0], ms[1]
	writeFile(t, a.p("Documents/report.txt"), "from A")
	if !contentIs(filepath.Join(server, "Documents/report.txt"), "from A") {
		t.Fatal("A's file did not reach the server while A stayed logged on")
	}
	if !contentIs(b.p("Documents/report.txt"), "from A") {
		t.Fatal("A's file did not appear on B")
	}
	// A change to a file B already has (and has read, so the kernel caches it).
	writeFile(t, a.p("Documents/report.txt"), "from A, second version")
	if !contentIs(b.p("Documents/report.txt"), "from A, second version") {
		b2, _ := os.ReadFile(b.p("Documents/report.txt"))
		t.Fatalf("B's open does not see A's new version: %q", b2)
	}
	if err := os.Remove(a.p("Documents/report.txt")); err != nil {
		t.Fatal(err)
	}
	if !goneWithin(b.p("Documents/report.txt")) {
		t.Fatal("A's delete did not reach B")
	}
	if _, err := os.Stat(filepath.Join(server, "Documents/report.txt")); !os.IsNotExist(err) {
		t.Fatalf("the server still has the deleted file: %v", err)
	}
	st := liveStatus(t, a)
	if st.LastWriteBackTime == nil || st.LastUploadTime != nil && st.LastUploadTime.After(*st.LastWriteBackTime) {
		t.Errorf("status after rounds: LastWriteBackTime %v, LastUploadTime %v", st.LastWriteBackTime, st.LastUploadTime)
	}
	if len(hpWithID(hpEvents(t, a.cache), 1621, "")) == 0 {
		t.Error("no round-finished event (1621) in A's log")
	}
	a.logoff()
	b.logoff()
}

type liveStat struct {
	LastUploadTime      *time.Time      `json:"LastUploadTime"`
	LastWriteBackTime   *time.Time      `json:"LastWriteBackTime"`
	LastWriteBackResult json.RawMessage `json:"LastWriteBackResult"`
	PendingChanges      int             `json:"PendingChanges"`
}

func liveStatus(t *testing.T, m *machine) liveStat {
	t.Helper()
	out := must(t, "status", "--json", "--cache", m.cache)
	var st liveStat
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json printed %q: %v", out, err)
	}
	return st
}

func TestLiveConflictBothMachines(t *testing.T) {
	server, ms := liveMachines(t, 2)
	a, b := ms[0], ms[1]
	writeFile(t, a.p("Desktop/notes.txt"), "base")
	if !contentIs(b.p("Desktop/notes.txt"), "base") {
		t.Fatal("the first version did not reach B")
	}
	// Both edit between rounds: stop the rounds from racing the two writes
	// by writing both at once.
	writeFile(t, a.p("Desktop/notes.txt"), "A's edit")
	writeFile(t, b.p("Desktop/notes.txt"), "B's edit, longer")
	conflictCopies := func(m *machine) []string {
		es, _ := os.ReadDir(m.p("Desktop"))
		var out []string
		for _, e := range es {
			if strings.Contains(e.Name(), "(conflict ") {
				out = append(out, e.Name())
			}
		}
		return out
	}
	ok := hpWaitFor(2*liveRounds, func() bool {
		ca, cb := conflictCopies(a), conflictCopies(b)
		if len(ca) != 1 || len(cb) != 1 || ca[0] != cb[0] {
			return false
		}
		x, _ := os.ReadFile(a.p("Desktop/notes.txt"))
		y, _ := os.ReadFile(b.p("Desktop/notes.txt"))
		c, _ := os.ReadFile(a.p("Desktop/" + ca[0]))
		got := map[string]bool{string(x): true, string(c): true}
		return string(x) == string(y) && got["A's edit"] && got["B's edit, longer"]
	})
	if !ok {
		x, _ := os.ReadFile(a.p("Desktop/notes.txt"))
		y, _ := os.ReadFile(b.p("Desktop/notes.txt"))
		t.Fatalf("after the rounds: A has %q and copies %v, B has %q and copies %v", x, conflictCopies(a), y, conflictCopies(b))
	}
	sv, _ := os.ReadFile(filepath.Join(server, "Desktop/notes.txt"))
	x, _ := os.ReadFile(a.p("Desktop/notes.txt"))
	if string(sv) != string(x) {
		t.Errorf("server has %q, the machines %q", sv, x)
	}
	a.logoff()
	b.logoff()
}

func TestLiveOpenFileNotReplaced(t *testing.T) {
	_, ms := liveMachines(t, 2)
	a, b := ms[0], ms[1]
	writeFile(t, a.p("Documents/open.txt"), "v1")
	if !contentIs(b.p("Documents/open.txt"), "v1") {
		t.Fatal("v1 did not reach B")
	}
	f, err := os.Open(b.p("Documents/open.txt"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a.p("Documents/open.txt"), "v2 from A")
	// While B holds it open, B's rounds leave it alone.
	time.Sleep(4 * time.Second)
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	if string(buf[:n]) != "v1" {
		t.Errorf("the open file changed under its reader: %q", buf[:n])
	}
	f.Close()
	if !contentIs(b.p("Documents/open.txt"), "v2 from A") {
		t.Fatal("v2 did not reach B once the file was closed")
	}
	a.logoff()
	b.logoff()
}

func TestLiveSyncAsksTheSession(t *testing.T) {
	server := newServer(t)
	a := newMachine(t, server)
	a.setPolicy("PSMidSessionWriteBackInterval: 1h\n")
	a.logon()
	writeFile(t, a.p("Documents/now.txt"), "sync now")
	out := must(t, "sync", "--cache", a.cache)
	if !strings.Contains(out, "synced: 1 uploaded") && !strings.Contains(out, "uploaded") {
		t.Errorf("sync on a running session printed %q", out)
	}
	if b, err := os.ReadFile(filepath.Join(server, "Documents/now.txt")); err != nil || string(b) != "sync now" {
		t.Fatalf("after sync the server has %q, %v", b, err)
	}
	if st := liveStatus(t, a); st.PendingChanges != 0 || st.LastWriteBackTime == nil {
		t.Errorf("after sync: %+v", st)
	}
	writeFile(t, a.p("Documents/mnt.txt"), "by mountpoint")
	must(t, "sync", a.mnt)
	if b, err := os.ReadFile(filepath.Join(server, "Documents/mnt.txt")); err != nil || string(b) != "by mountpoint" {
		t.Fatalf("after sync MOUNTPOINT the server has %q, %v", b, err)
	}
	a.logoff()
}

func TestLiveServerDownRoundSkipped(t *testing.T) {
	server, ms := liveMachines(t, 1)
	a := ms[0]
	aside := server + ".away"
	if err := os.Rename(server, aside); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a.p("Documents/while-away.txt"), "kept")
	if !hpWaitFor(liveRounds, func() bool { return len(hpWithID(hpEvents(t, a.cache), 1623, "")) > 0 }) {
		t.Fatal("no skipped-round event (1623) while the server was away")
	}
	if _, err := os.Stat(server); !os.IsNotExist(err) {
		t.Fatalf("a round recreated the server folder while it was away: %v", err)
	}
	if err := os.Rename(aside, server); err != nil {
		t.Fatal(err)
	}
	if !contentIs(filepath.Join(server, "Documents/while-away.txt"), "kept") {
		t.Fatal("the next round did not write back once the server was back")
	}
	a.logoff()
}

// A machine that dies after a write-back (kill -9, its cache lost): B and the
// server have its work.
func TestLiveCacheLostAfterWriteBack(t *testing.T) {
	server, ms := liveMachines(t, 2)
	a, b := ms[0], ms[1]
	writeFile(t, a.p("Documents/work.txt"), "A's day of work")
	if !contentIs(filepath.Join(server, "Documents/work.txt"), "A's day of work") {
		t.Fatal("A's work did not reach the server")
	}
	hpWaitFor(liveRounds, func() bool { return liveStatus(t, a).PendingChanges == 0 })
	syscall.Kill(a.pid, syscall.SIGKILL)
	waitGone([]int{a.pid}, 30*time.Second)
	a.pid = 0
	a.forceDown()
	if err := os.RemoveAll(a.cache); err != nil {
		t.Fatal(err)
	}
	if !contentIs(b.p("Documents/work.txt"), "A's day of work") {
		t.Fatal("B does not have A's work")
	}
	b.logoff()
	// A comes back with a new cache and finds its work.
	a.logon()
	if got, _ := os.ReadFile(a.p("Documents/work.txt")); string(got) != "A's day of work" {
		t.Fatalf("A's new logon has %q", got)
	}
	a.logoff()
}

// kill -9 during rounds: the next logon (or sync) finishes what was pending,
// and the server only ever holds whole files.
func TestLiveKilledMidRound(t *testing.T) {
	server, ms := liveMachines(t, 1)
	a := ms[0]
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MB
	for i := range 20 {
		writeFile(t, a.p("Documents/big"+string(rune('a'+i))+".bin"), big)
	}
	time.Sleep(1500 * time.Millisecond) // a round is likely under way
	syscall.Kill(a.pid, syscall.SIGKILL)
	waitGone([]int{a.pid}, 30*time.Second)
	a.pid = 0
	a.forceDown()
	for i := range 20 {
		p := filepath.Join(server, "Documents/big"+string(rune('a'+i))+".bin")
		if b, err := os.ReadFile(p); err == nil && string(b) != big {
			t.Fatalf("torn file on the server: %s (%d bytes)", p, len(b))
		}
	}
	must(t, "sync", "--cache", a.cache)
	for i := range 20 {
		p := filepath.Join(server, "Documents/big"+string(rune('a'+i))+".bin")
		if b, err := os.ReadFile(p); err != nil || string(b) != big {
			t.Fatalf("after sync %s: %d bytes, %v", p, len(b), err)
		}
	}
}
