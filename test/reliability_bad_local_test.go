package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReliabilityBadLocalState: the cache is damaged or full, or already in
// use. roamfs refuses clearly, never takes a damaged cache for deletions on
// the server, and loses nothing it acknowledged.
func TestReliabilityBadLocalState(t *testing.T) {
	for _, c := range []struct{ name, glob, what string }{
		{"CorruptManifest", "MANIFEST", "journal MANIFEST overwritten with garbage"},
		{"CorruptTables", "*.sst", "journal tables (*.sst) overwritten with garbage"},
		{"CorruptValueLog", "*.vlog", "journal value log (*.vlog) overwritten with garbage"},
	} {
		t.Run(c.name, func(t *testing.T) { relCorruptJournal(t, c.glob, c.what) })
	}
	t.Run("CorruptTablesInPart", relCorruptTablesInPart)
	t.Run("SecondLogonOnCacheInUse", relSecondLogon)
	t.Run("CacheDiskFull", relCacheDiskFull)
}

// relPrepareCorruption gives a machine a synced profile of 20 files, then a
// session with three acknowledged changes that is killed, so the journal
// holds history, bases and pending records when it is damaged. It returns
// what the server must hold once the changes are delivered ("" = absent).
func relPrepareCorruption(t *testing.T, m *machine) map[string]string {
	m.logon()
	for i := range 20 {
		write(t, m.p(fmt.Sprintf("Documents/base/f%02d.txt", i)), fmt.Sprintf("base file %d", i))
	}
	m.logoff()
	m.logon()
	want := map[string]string{
		"Documents/base/f03.txt": "edited before the crash",
		"Documents/base/new.txt": "created before the crash",
	}
	for p, c := range want {
		if err := relWrite(m.p(p), os.O_CREATE|os.O_TRUNC, []byte(c), true); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(m.p("Documents/base/f07.txt")); err != nil {
		t.Fatal(err)
	}
	want["Documents/base/f07.txt"] = ""
	relKillDaemon(t, m, nil, nil)
	for i := range 20 {
		p := fmt.Sprintf("Documents/base/f%02d.txt", i)
		if _, ok := want[p]; !ok {
			want[p] = fmt.Sprintf("base file %d", i)
		}
	}
	return want
}

// relGarble overwrites every file of the journal matching glob with random
// bytes of the same size.
func relGarble(t *testing.T, cache, glob string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(cache, "state", "journal", glob))
	if len(files) == 0 {
		ents, _ := os.ReadDir(filepath.Join(cache, "state", "journal"))
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("no journal file matches %s; the journal holds %v", glob, names)
	}
	rng := rand.NewChaCha8([32]byte{6})
	var done []string
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, fi.Size())
		rng.Read(b)
		if err := os.WriteFile(f, b, fi.Mode()); err != nil {
			t.Fatal(err)
		}
		done = append(done, fmt.Sprintf("%s (%d bytes)", filepath.Base(f), fi.Size()))
	}
	return done
}

// relClearFailure checks a command refused a damaged journal the way an
// administrator can act on: exit 1, the advice to run `roamfs sync --full`,
// and no Go crash.
func relClearFailure(t *testing.T, what string, r cliResult) {
	t.Helper()
	crashed := strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "fatal error:") || strings.Contains(r.stderr, "goroutine ")
	first, _, _ := strings.Cut(strings.TrimSpace(r.stderr), "\n")
	switch {
	case r.code == 0:
		t.Errorf("%s on a damaged journal exited 0\nstdout: %.300s", what, r.stdout)
	case crashed:
		t.Errorf("%s on a damaged journal CRASHED (exit %d): %s", what, r.code, first)
	case r.code != 1:
		t.Errorf("%s on a damaged journal: exit %d, want 1: %s", what, r.code, first)
	}
	if !strings.Contains(r.stderr+r.stdout, "roamfs sync --full") {
		t.Errorf("%s on a damaged journal does not tell to run `roamfs sync --full`: %s", what, first)
	}
}

// relServerHolds counts the paths of want the server does not hold as it
// should.
func relServerHolds(t *testing.T, when, server string, want map[string]string) int {
	t.Helper()
	missing := 0
	for p, c := range want {
		got, err := os.ReadFile(filepath.Join(server, p))
		switch {
		case c == "" && !errors.Is(err, os.ErrNotExist):
			t.Errorf("%s: server %s should be deleted: %q, %v", when, p, got, err)
			missing++
		case c != "" && (err != nil || string(got) != c):
			t.Errorf("%s: server %s: %q, %v; want %q", when, p, got, err, c)
			missing++
		}
	}
	return missing
}

func relSameTree(t *testing.T, when string, was, now map[string]relNode) {
	t.Helper()
	for p, n := range was {
		m, ok := now[p]
		if !ok {
			t.Errorf("%s: server %s was DELETED", when, p)
		} else if m.Content != n.Content || m.Mode != n.Mode {
			t.Errorf("%s: server %s changed", when, p)
		}
	}
	for p := range now {
		if _, ok := was[p]; !ok {
			t.Errorf("%s: server %s appeared", when, p)
		}
	}
}

// relCorruptJournal: a journal file overwritten with garbage while no
// session runs. logon and journal refuse with the advice to run
// `roamfs sync --full`; nothing on the server changes; `sync --full` moves
// the damaged journal aside and delivers the cache's changes; the next
// logon works.
func relCorruptJournal(t *testing.T, glob, what string) {
	server := newServer(t)
	m := newMachine(t, server)
	want := relPrepareCorruption(t, m)
	before := relTree(t, server)
	garbled := relGarble(t, m.cache, glob)
	t.Logf("overwrote with garbage: %s", strings.Join(garbled, ", "))

	r := relRoamfs(t, "journal", "--json", "--cache", m.cache)
	relClearFailure(t, "roamfs journal", r)
	r = relRoamfs(t, "logon", "--server", server, "--cache", m.cache, m.mnt)
	relClearFailure(t, "roamfs logon", r)
	if isMounted(m.mnt) {
		t.Fatalf("logon on a damaged journal mounted %s", m.mnt)
	}
	if left := waitGone(pidsNaming(m.cache), 30*time.Second); len(left) > 0 {
		t.Fatalf("roamfs processes %v left by the refused logon", left)
	}
	relSameTree(t, "after the refused commands", before, relTree(t, server))

	note := "logon and journal refuse; `sync --full` moves the journal aside and delivers"
	r = relRoamfs(t, "sync", "--full", "--cache", m.cache)
	if r.code != 0 {
		first, _, _ := strings.Cut(strings.TrimSpace(r.stderr), "\n")
		t.Errorf("roamfs sync --full --cache on the damaged journal: exit %d: %s", r.code, first)
		relSameTree(t, "after the failed sync --full", before, relTree(t, server))
		// What an administrator is left with: move the journal aside by hand.
		aside := filepath.Join(m.cache, "state", "journal.moved-by-hand")
		if err := os.Rename(filepath.Join(m.cache, "state", "journal"), aside); err != nil {
			t.Fatal(err)
		}
		note = "sync --full CRASHES; delivered only after moving the journal aside by hand"
		if r = relRoamfs(t, "sync", "--full", "--cache", m.cache); r.code != 0 {
			t.Fatalf("sync --full with the journal moved aside by hand: exit %d\n%s", r.code, r.stderr)
		}
	} else if aside, _ := filepath.Glob(filepath.Join(m.cache, "state", "journal.damaged-*")); len(aside) == 0 {
		t.Errorf("sync --full succeeded but the damaged journal was not kept aside (journal.damaged-*)")
	}
	lost := relServerHolds(t, "after sync --full", server, want)
	for p := range before {
		if _, listed := want[p]; !listed && !strings.HasSuffix(p, ".roamfs-profile.json") && !strings.HasSuffix(p, ".roamfs-index") && !inIndexDeltas(p) {
			if _, err := os.Lstat(filepath.Join(server, p)); err != nil {
				t.Errorf("after sync --full: server %s is gone: %v", p, err)
			}
		}
	}
	m.logon()
	if got, err := os.ReadFile(m.p("Documents/base/new.txt")); err != nil || string(got) != want["Documents/base/new.txt"] {
		t.Errorf("logon after the repair: Documents/base/new.txt %q, %v", got, err)
	}
	write(t, m.p("Documents/base/after-repair.txt"), "works again")
	m.logoff()
	want["Documents/base/after-repair.txt"] = "works again"
	lost += relServerHolds(t, "after the logon following the repair", server, want)
	relReport(t, relRow{Fault: what, Tried: 1, Acked: 20 + 3, Lost: lost, Note: note})
}

// relCorruptTablesInPart: a 64-byte run of garbage at each 512-byte step of
// the journal's tables (a bad sector, a torn write). `roamfs journal` must
// either read what it read before or refuse: it must never crash, nor show
// (and so replay) a journal with records silently missing or changed.
func relCorruptTablesInPart(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	for i := range 20 {
		write(t, m.p(fmt.Sprintf("Documents/part/f%02d.txt", i)), fmt.Sprintf("file %d", i))
	}
	m.logoff()
	good := relRoamfs(t, "journal", "--json", "--all", "--cache", m.cache)
	if good.code != 0 {
		t.Fatalf("journal of the intact cache: exit %d: %s", good.code, good.stderr)
	}
	tables, _ := filepath.Glob(filepath.Join(m.cache, "state", "journal", "*.sst"))
	if len(tables) == 0 {
		t.Skip("the journal has no table file after a clean logoff")
	}
	garbage := bytes.Repeat([]byte("\xde\xad\xbe\xef"), 16)
	var same, refused, crashed, silent []int64
	tried := 0
	for _, table := range tables {
		fi, err := os.Stat(table)
		if err != nil {
			t.Fatal(err)
		}
		for off := int64(0); off+int64(len(garbage)) <= fi.Size(); off += 512 {
			tried++
			cp := filepath.Join(t.TempDir(), "cache")
			if out, err := exec.Command("cp", "-a", m.cache, cp).CombinedOutput(); err != nil {
				t.Fatalf("cp -a: %v: %s", err, out)
			}
			f, err := os.OpenFile(filepath.Join(cp, "state", "journal", filepath.Base(table)), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt(garbage, off)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			r := relRoamfs(t, "journal", "--json", "--all", "--cache", cp)
			switch {
			case strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "fatal error:"):
				crashed = append(crashed, off)
			case r.code != 0:
				refused = append(refused, off)
				if !strings.Contains(r.stderr, "roamfs sync --full") {
					first, _, _ := strings.Cut(strings.TrimSpace(r.stderr), "\n")
					t.Errorf("offset %d: journal refuses without telling to run `roamfs sync --full`: %s", off, first)
				}
			case r.stdout == good.stdout:
				same = append(same, off)
			default:
				silent = append(silent, off)
				t.Errorf("offset %d of %s: `roamfs journal` exits 0 but shows a different journal: %s",
					off, filepath.Base(table), relJournalDiff(good.stdout, r.stdout))
			}
		}
	}
	t.Logf("64 bytes of garbage at %d offsets of the tables: %d read as before, %d refused, %d CRASHED (offsets %v), %d SILENTLY CHANGED (offsets %v)",
		tried, len(same), len(refused), len(crashed), crashed, len(silent), silent)
	if len(crashed) > 0 {
		t.Errorf("`roamfs journal` crashed (Go panic inside badger) at %d of %d offsets: %v", len(crashed), tried, crashed)
	}
	relReport(t, relRow{Fault: "journal tables partly overwritten (64 bytes at each 512-byte step)", Tried: tried, Acked: 20,
		Lost: 0, Note: fmt.Sprintf("%d refused, %d crashed, %d read with records silently missing", len(refused), len(crashed), len(silent))})
}

// relJournalDiff names the records one `journal --json` listing has and the
// other lacks.
func relJournalDiff(a, b string) string {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			var e journalEntry
			if json.Unmarshal([]byte(l), &e) == nil {
				m[fmt.Sprintf("%d %s %s", e.Seq, e.Op, e.Path)] = true
			}
		}
		return m
	}
	as, bs := set(a), set(b)
	var gone, extra []string
	for k := range as {
		if !bs[k] {
			gone = append(gone, k)
		}
	}
	for k := range bs {
		if !as[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(gone)
	sort.Strings(extra)
	return fmt.Sprintf("missing records %v, unknown records %v", gone, extra)
}

// relSecondLogon: a second logon on a cache a session already uses (another
// mount point) is refused, naming the running session; the first session
// goes on undisturbed.
func relSecondLogon(t *testing.T) {
	server := newServer(t)
	m := newMachine(t, server)
	m.logon()
	write(t, m.p("Documents/first.txt"), "first session")
	mnt2 := filepath.Join(t.TempDir(), "mnt2")
	if err := os.Mkdir(mnt2, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // in case the second logon mounted after all
		if isMounted(mnt2) {
			roamfs("logoff", mnt2)
		}
		relDetach(t, mnt2)
	})
	r := relRoamfs(t, "logon", "--server", server, "--cache", m.cache, mnt2)
	t.Logf("second logon: exit %d: %s", r.code, strings.TrimSpace(r.stderr))
	if r.code == 0 {
		t.Errorf("a second logon on a cache in use exited 0")
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("pid %d", m.pid)) || !strings.Contains(r.stderr, m.mnt) {
		t.Errorf("the refusal should name the running session (pid %d, mounted at %s): %q", m.pid, m.mnt, r.stderr)
	}
	if isMounted(mnt2) {
		t.Errorf("the refused logon mounted %s", mnt2)
	}
	if !alive(m.pid) || !isMounted(m.mnt) {
		t.Fatalf("the first session is gone after the refused logon (daemon alive %v, mounted %v)", alive(m.pid), isMounted(m.mnt))
	}
	write(t, m.p("Documents/second.txt"), "after the refused logon")
	if got, err := os.ReadFile(m.p("Documents/first.txt")); err != nil || string(got) != "first session" {
		t.Errorf("the first mount after the refused logon: %q, %v", got, err)
	}
	if st := relStatusOf(t, m.cache); !st.Loaded || st.PID != m.pid || st.LocalPath != m.mnt {
		t.Errorf("status after the refused logon: Loaded=%v PID=%d LocalPath=%s; want the first session's (%d, %s)",
			st.Loaded, st.PID, st.LocalPath, m.pid, m.mnt)
	}
	m.logoff()
	lost := relServerHolds(t, "after logoff", server, map[string]string{
		"Documents/first.txt": "first session", "Documents/second.txt": "after the refused logon",
	})
	relReport(t, relRow{Fault: "second logon on a cache in use", Tried: 1, Acked: 2, Lost: lost,
		Note: "refused, naming the running session's pid and mount point; the first mount keeps working"})
}

// relCacheDiskFull: the cache's disk fills up during a session. The program
// writing gets ENOSPC (not EIO); programs that go on working while the disk
// is full (renaming, which needs no space) get success or ENOSPC, never a
// dead mount; once the big file is deleted the logoff works, the journal is
// readable and everything acknowledged is on the server.
func relCacheDiskFull(t *testing.T) {
	disk := relTmpfs(t, "8m") // registered before the machine: unmounted after its session
	server := newServer(t)
	m := relMachine(t, server, filepath.Join(disk, "cache"))
	m.logon()
	want := map[string]string{}
	for i := range 5 {
		p := fmt.Sprintf("Documents/full/pre%d.txt", i)
		if i == 0 {
			if err := os.MkdirAll(filepath.Dir(m.p(p)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		c := strings.Repeat(fmt.Sprintf("acknowledged before the disk filled %d\n", i), 50)
		if err := relWrite(m.p(p), os.O_CREATE|os.O_EXCL, []byte(c), i%2 == 0); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
		want[p] = c
	}
	acked := len(want)

	// Fill the disk through the mount.
	fill := m.p("Documents/full/fill.bin")
	f, err := os.OpenFile(fill, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("F"), 64<<10)
	var written int64
	for written < 64<<20 {
		n, err := f.Write(chunk)
		written += int64(n)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("writing until the disk is full: the program got %s after %d bytes, want ENOSPC", relErrno(err), written)
			}
			break
		}
	}
	if written >= 64<<20 {
		t.Fatalf("wrote %d bytes on an 8 MiB disk without an error", written)
	}
	if err := f.Close(); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("close of the file that filled the disk: %s, want success or ENOSPC", relErrno(err))
	}
	t.Logf("the disk filled after %d bytes", written)

	// Programs go on while the disk is full: renames need no space.
	a, b := "Documents/full/pre1.txt", "Documents/full/pre1-renamed.txt"
	renamed, rfail := 0, ""
	for range 300 {
		err := os.Rename(m.p(a), m.p(b))
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				rfail = relErrno(err)
			}
			break
		}
		want[b], want[a] = want[a], ""
		a, b = b, a
		renamed++
	}
	acked += renamed
	inFlight := [2]string{}
	if rfail != "" {
		// The rename that failed was not acknowledged: its file may be under
		// either name, but under exactly one.
		inFlight = [2]string{a, b}
		delete(want, a)
		delete(want, b)
	}
	// A failed rename is a dying daemon when its mount was aborted: wait
	// for it to be gone (a crashing Go program takes a moment to print).
	wait := time.Duration(0)
	if rfail != "" {
		wait = 10 * time.Second
	}
	daemonDied := relReaped(m.pid, wait)
	if rfail != "" || daemonDied {
		crash := relCrashLine(t, m.cache)
		t.Errorf("while the cache's disk was full, rename %d got %s (want success or ENOSPC); daemon alive: %v; its log: %s",
			renamed+1, rfail, !daemonDied, crash)
	}

	note := "writer gets ENOSPC; after deleting the file logoff works, journal readable"
	if !daemonDied {
		if err := os.Remove(fill); err != nil {
			t.Fatalf("delete the file that filled the disk: %v", err)
		}
		m.logoff()
	} else {
		// The daemon is gone: what an administrator can still do.
		note = "DAEMON CRASHED (SIGBUS in badger) on a full disk; recovered after freeing space by hand"
		m.pid = 0
		if r := relRoamfs(t, "journal", "--json", "--cache", m.cache); r.code != 0 {
			first, _, _ := strings.Cut(strings.TrimSpace(r.stderr), "\n")
			t.Errorf("`roamfs journal` while the disk is still full: exit %d: %s", r.code, first)
		}
		if err := os.Remove(filepath.Join(m.cache, "profile", "Documents/full/fill.bin")); err != nil {
			t.Fatal(err)
		}
		if r := relRoamfs(t, "logoff", m.mnt); r.code != 0 {
			t.Errorf("logoff of the dead session once there is room: exit %d: %s", r.code, r.stderr)
		}
		relDetach(t, m.mnt)
	}
	if r := relRoamfs(t, "journal", "--json", "--all", "--cache", m.cache); r.code != 0 || r.stdout == "" {
		t.Errorf("`roamfs journal --all` after the disk-full session: exit %d, %d bytes: %s", r.code, len(r.stdout), r.stderr)
	}
	lost := relServerHolds(t, "after the disk-full session", server, want)
	if inFlight[0] != "" {
		content := strings.Repeat("acknowledged before the disk filled 1\n", 50)
		n := 0
		for _, p := range inFlight {
			if got, err := os.ReadFile(filepath.Join(server, p)); err == nil && string(got) == content {
				n++
			} else if err == nil {
				t.Errorf("server %s holds %d bytes that were never written", p, len(got))
			}
		}
		if n != 1 {
			t.Errorf("the file of the rename in flight at the crash is on the server under %d of %v, want exactly 1", n, inFlight)
			lost++
		}
	}
	if _, err := os.Lstat(filepath.Join(server, "Documents/full/fill.bin")); err == nil {
		t.Logf("note: the deleted fill.bin is on the server")
	}
	relReport(t, relRow{Fault: "cache disk full during a session (8 MiB tmpfs)", Tried: 1, Acked: acked, Lost: lost, Note: note})
}

// relCrashLine finds the Go runtime's fatal error (or panic) in the log.
func relCrashLine(t *testing.T, cache string) string {
	data, err := os.ReadFile(filepath.Join(cache, "state", "roamfs.log"))
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "unexpected fault") {
			end := min(i+3, len(lines))
			frames := ""
			for _, f := range lines[i:] {
				if strings.Contains(f, "badger") || strings.Contains(f, "roamfs/") {
					frames = strings.TrimSpace(f)
					break
				}
			}
			return strings.Join(lines[i:end], " | ") + " | first frame: " + frames
		}
	}
	return "(no crash in the log)"
}
