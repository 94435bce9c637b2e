package test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestReliabilityHostileServer: a server copy prepared on disk (by a Linux
// client of the share, or planted) holds entries that cannot be part of a
// Windows profile beside normal files: symlinks leading outside, names
// Windows forbids, two names differing only in case, a huge sparse file, a
// FIFO. The logon brings the normal files and skips each bad entry with an
// event; nothing outside the server and the cache is read or written; the
// logoff leaves the bad entries on the server as they were.
func TestReliabilityHostileServer(t *testing.T) {
	server := newServer(t)
	outside := t.TempDir()
	canary := filepath.Join(outside, "canary.txt")
	if err := os.WriteFile(canary, []byte("must stay as it is"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := os.Chtimes(canary, old, old); err != nil {
		t.Fatal(err)
	}

	hive := make([]byte, 8192)
	copy(hive, "regf")
	copy(hive[4096:], "hbin")
	normal := map[string]string{
		"NTUSER.DAT":             string(hive),
		"Documents/letter.txt":   "Dear Sir,",
		"Desktop/notes.txt":      "normal notes",
		"AppData/Roaming/a.ini":  "[a]\n",
		"Documents/Sub/deep.txt": "deep",
	}
	for p, c := range normal {
		write(t, filepath.Join(server, p), c)
	}
	for _, d := range []string{"Music", "Pictures"} {
		if err := os.MkdirAll(filepath.Join(server, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	inside := "Documents/inside.lnk" // a symlink that stays inside the profile is fine
	if err := os.Symlink("letter.txt", filepath.Join(server, inside)); err != nil {
		t.Fatal(err)
	}
	// bad entries: the event each must be logged with
	bad := map[string]int{
		"Documents/passwd.lnk":   1709, // -> /etc/passwd
		"Documents/canary.lnk":   1709, // absolute, to the canary outside
		"Documents/Sub/shadow":   1709, // ../../../../etc/shadow
		"Documents/CON":          1709,
		"Documents/aux.txt":      1709,
		"Documents/trailing.":    1709,
		"Documents/trailing ":    1709,
		"Documents/a<b":          1709,
		"Documents/q?":           1709,
		"Documents/Case.txt":     1705,
		"Documents/case.txt":     1705,
		"Documents/sparse.vhdx":  1709, // 10 GB, almost nothing allocated
		"Documents/fifo":         1709,
		"Desktop/links/etc.lnk":  1709, // a symlink to /etc itself
		"Desktop/Forbidden:Name": 1709,
	}
	mk := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sp := func(p string) string { return filepath.Join(server, p) }
	mk(os.Symlink("/etc/passwd", sp("Documents/passwd.lnk")))
	mk(os.Symlink(canary, sp("Documents/canary.lnk")))
	mk(os.Symlink("../../../../etc/shadow", sp("Documents/Sub/shadow")))
	for _, p := range []string{"Documents/CON", "Documents/aux.txt", "Documents/trailing.", "Documents/trailing ",
		"Documents/a<b", "Documents/q?", "Desktop/Forbidden:Name"} {
		mk(os.WriteFile(sp(p), []byte("forbidden name "+p), 0o644))
	}
	mk(os.WriteFile(sp("Documents/Case.txt"), []byte("upper"), 0o644))
	mk(os.WriteFile(sp("Documents/case.txt"), []byte("lower"), 0o644))
	f, err := os.Create(sp("Documents/sparse.vhdx"))
	mk(err)
	_, err = f.Write([]byte("header"))
	mk(err)
	mk(f.Truncate(10 << 30))
	mk(f.Close())
	mk(unix.Mkfifo(sp("Documents/fifo"), 0o644))
	mk(os.MkdirAll(sp("Desktop/links"), 0o755))
	mk(os.Symlink("/etc", sp("Desktop/links/etc.lnk")))

	serverBefore := relTree(t, server)
	canaryBefore := relTree(t, outside)

	m := newMachine(t, server)
	m.logon()

	for p, c := range normal {
		if got, err := os.ReadFile(m.p(p)); err != nil || string(got) != c {
			t.Errorf("normal file %s through the mount: %.30q, %v; want %.30q", p, got, err, c)
		}
	}
	if target, err := os.Readlink(m.p(inside)); err != nil || target != "letter.txt" {
		t.Errorf("symlink inside the profile %s through the mount: %q, %v", inside, target, err)
	}
	es := relEvents(t, m.cache)
	cacheProfile := filepath.Join(m.cache, "profile")
	for p, id := range bad {
		if _, err := os.Lstat(filepath.Join(cacheProfile, p)); !os.IsNotExist(err) {
			t.Errorf("bad server entry %s is in the cache (lstat: %v)", p, err)
		}
		if _, err := os.Lstat(m.p(p)); !os.IsNotExist(err) {
			t.Errorf("bad server entry %s is visible in the mount (lstat: %v)", p, err)
		}
		if !relEventFor(es, id, p) {
			t.Errorf("no event %d logged for %s", id, p)
		}
	}
	// Nothing of /etc (or of the canary) came into the cache.
	secrets := map[string]string{"canary": "must stay as it is"}
	for _, f := range []string{"/etc/passwd", "/etc/shadow", "/etc/hostname"} {
		if b, err := os.ReadFile(f); err == nil && len(b) > 0 {
			secrets[f] = string(b)
		}
	}
	for p, n := range relTree(t, cacheProfile) {
		if n.Mode&os.ModeSymlink != 0 && (filepath.IsAbs(n.Target) || strings.HasPrefix(filepath.Clean(filepath.Join(filepath.Dir(p), n.Target)), "..")) {
			t.Errorf("the cache holds %s, a symlink leading outside the profile (%s)", p, n.Target)
		}
		if n.Mode&os.ModeNamedPipe != 0 || n.Mode&os.ModeDevice != 0 || n.Mode&os.ModeSocket != 0 {
			t.Errorf("the cache holds %s, a special file (%v)", p, n.Mode)
		}
		if n.Mode.IsRegular() && n.Size > 64<<20 {
			t.Errorf("the cache holds %s of %d bytes", p, n.Size)
		}
		for what, s := range secrets {
			if n.Mode.IsRegular() && n.Content == s {
				t.Errorf("the cache's %s holds the content of %s", p, what)
			}
		}
	}

	// Edits, then logoff: the bad entries stay on the server as they were.
	edits := map[string]string{
		"Documents/letter.txt":   "Dear Sir, edited",
		"Documents/new.txt":      "written in the session",
		"Desktop/notes.txt":      "notes, edited",
		"Documents/Sub/more.txt": "beside the escaping symlink",
	}
	for p, c := range edits {
		if err := relWrite(m.p(p), os.O_CREATE|os.O_TRUNC, []byte(c), false); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
	}
	m.logoff()
	// A full reconcile (no journal) must not take them for deletions either.
	if r := relRoamfs(t, "sync", "--full", "--cache", m.cache); r.code != 0 {
		t.Errorf("roamfs sync --full --cache: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	lost := 0
	for p, c := range edits {
		if got, err := os.ReadFile(filepath.Join(server, p)); err != nil || string(got) != c {
			t.Errorf("server %s after logoff: %q, %v; want %q", p, got, err, c)
			lost++
		}
	}
	serverAfter := relTree(t, server)
	for p, was := range serverBefore {
		if _, isBad := bad[p]; !isBad {
			continue
		}
		now, ok := serverAfter[p]
		switch {
		case !ok:
			t.Errorf("bad server entry %s was deleted from the server", p)
		case now.Mode != was.Mode || now.Size != was.Size || !now.MTime.Equal(was.MTime) || now.Target != was.Target || now.Content != was.Content:
			t.Errorf("bad server entry %s changed on the server: %+v, was %+v", p, now, was)
		}
	}
	if fi, err := os.Stat(filepath.Join(server, "Documents/sparse.vhdx")); err == nil {
		if st := fi.Sys().(*syscall.Stat_t); st.Blocks*512 > 1<<20 {
			t.Errorf("the sparse file on the server now has %d bytes allocated", st.Blocks*512)
		}
	}
	canaryAfter := relTree(t, outside)
	if len(canaryAfter) != len(canaryBefore) {
		t.Errorf("the directory outside the profile changed: %d entries, was %d", len(canaryAfter), len(canaryBefore))
	}
	for p, was := range canaryBefore {
		if now := canaryAfter[p]; now.Content != was.Content || !now.MTime.Equal(was.MTime) || now.Mode != was.Mode {
			t.Errorf("outside the profile, %s changed: %+v, was %+v", p, now, was)
		}
	}
	if got, _ := os.ReadFile("/etc/passwd"); !bytes.Equal(got, []byte(secrets["/etc/passwd"])) {
		t.Errorf("/etc/passwd changed during the test")
	}
	relReport(t, relRow{Fault: "hostile server copy (escaping symlinks, forbidden names, case pair, 10 GB sparse file, FIFO)", Tried: 1,
		Acked: len(edits), Lost: lost, Note: "15 bad entries skipped with events 1709/1705, left untouched on the server; nothing outside read or written"})
}
