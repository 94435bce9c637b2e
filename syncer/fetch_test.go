package syncer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"roamfs/journal"
	"roamfs/store"
)

// streamed returns a machine whose logons put placeholders in the cache.
func streamed(t *testing.T, name, server string) *machine {
	m := newMachine(t, name, server, nil)
	m.sy.cfg.Stream = true
	m.sy.cfg.StageDir = t.TempDir()
	return m
}

func readCache(t *testing.T, m *machine, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(m.dir, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seedServer logs a full machine on and off with files, so the server holds them.
func seedServer(t *testing.T, server string, files map[string]string) {
	a := newMachine(t, "seed", server, nil)
	a.logon()
	for p, c := range files {
		a.write(p, c)
	}
	a.logoff()
}

// countOpens counts the server file opens from now on.
func countOpens(m *machine) *atomic.Int32 {
	var n atomic.Int32
	m.server.FailOn(func(op, _ string) error {
		if op == store.OpOpen {
			n.Add(1)
		}
		return nil
	})
	return &n
}

var streamFiles = map[string]string{
	"Documents/a.txt":     "alpha alpha",
	"Documents/b.txt":     "bravo",
	"Desktop/c.txt":       "charlie",
	"Documents/Sub/d.txt": "delta delta delta",
	"empty.txt":           "",
}

func TestStreamedLogonPlacesPlaceholders(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	res := m.logon()
	if res.Placeholders != 4 || res.Downloaded != 2 {
		t.Errorf("placeholders %d, downloaded %d; want 4 (not the hive, not the empty file), 2", res.Placeholders, res.Downloaded)
	}
	if hive := readCache(t, m, "NTUSER.DAT"); !strings.HasPrefix(hive, "regf") {
		t.Errorf("hive not downloaded: %.8q", hive)
	}
	for p, c := range streamFiles {
		fi, err := os.Stat(filepath.Join(m.dir, p))
		if err != nil || fi.Size() != int64(len(c)) {
			t.Fatalf("%s: %v, size want %d", p, err, len(c))
		}
	}
	if got := readCache(t, m, "Documents/a.txt"); got != strings.Repeat("\x00", len("alpha alpha")) {
		t.Errorf("placeholder holds data: %.20q", got)
	}
	if !m.sy.Pending("documents/A.TXT") || m.sy.Pending("NTUSER.DAT") {
		t.Error("Pending wrong")
	}
	n, bytes := m.sy.Unfetched()
	if n != 4 || bytes != int64(len("alpha alphabravocharliedelta delta delta")) {
		t.Errorf("Unfetched = %d, %d", n, bytes)
	}
	if err := m.sy.Fetch(context.Background(), "Documents/a.txt"); err != nil {
		t.Fatal(err)
	}
	if got := readCache(t, m, "Documents/a.txt"); got != "alpha alpha" {
		t.Errorf("fetched %q", got)
	}
	if m.sy.Pending("Documents/a.txt") {
		t.Error("still pending after the fetch")
	}
	// Nothing untouched goes up, placeholder or not.
	before := tree(t, server)
	if r := m.logoff(); r.Uploaded != 0 || r.Deleted != 0 {
		t.Errorf("logoff of an untouched streamed profile: %+v", r)
	}
	if d := diffTrees(before, tree(t, server)); len(d) > 0 {
		t.Errorf("server changed: %v", d)
	}
	// A second logon keeps the placeholders (and their marks) as they are.
	res = m.logon()
	if res.Placeholders != 0 || res.Downloaded != 0 {
		t.Errorf("second logon: %+v", res)
	}
	if n, _ := m.sy.Unfetched(); n != 3 {
		t.Errorf("marks after a second logon: %d", n)
	}
}

// TestFetchGetsNewerServerVersion: another machine logged off a new version
// between this logon and the first open: the open gets it, and it is the base.
func TestFetchGetsNewerServerVersion(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	m.logon()
	b := newMachine(t, "B", server, nil)
	b.clock = b.clock.Add(time.Hour)
	b.logon()
	b.write("Documents/b.txt", "bravo from B, longer")
	b.logoff()
	if err := m.sy.Fetch(context.Background(), "Documents/b.txt"); err != nil {
		t.Fatal(err)
	}
	if got := readCache(t, m, "Documents/b.txt"); got != "bravo from B, longer" {
		t.Errorf("fetched %q", got)
	}
	base, ok, _ := m.j.Base(m.sy.key("Documents/b.txt"))
	if !ok || base.Size != int64(len("bravo from B, longer")) {
		t.Errorf("base not moved: %+v", base)
	}
	if r := m.logoff(); r.Uploaded != 0 {
		t.Errorf("a fetched file went up: %+v", r)
	}
}

// TestConcurrentFetchesShareOneDownload: many callers, one server open.
func TestConcurrentFetchesShareOneDownload(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	m.logon()
	opens := countOpens(m)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := m.sy.Fetch(context.Background(), "Desktop/c.txt"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := opens.Load(); got != 1 {
		t.Errorf("%d server opens for one file, want 1", got)
	}
}

// TestForgetAndMove: a placeholder deleted, truncated or renamed before it
// was read needs no download, and the logoff does the right thing with each.
func TestForgetAndMove(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	m.logon()
	opens := countOpens(m)
	unlink := func() error { return os.Remove(filepath.Join(m.dir, "Documents/b.txt")) }
	if err := m.sy.Forget("Documents/b.txt", unlink); err != nil {
		t.Fatal(err)
	}
	m.record(journal.OpUnlink, "Documents/b.txt", "")
	trunc := func() error {
		return os.WriteFile(filepath.Join(m.dir, "Desktop/c.txt"), []byte("new c"), 0o644)
	}
	if err := m.sy.Forget("Desktop/c.txt", trunc); err != nil {
		t.Fatal(err)
	}
	m.record(journal.OpTruncate, "Desktop/c.txt", "")
	mv := func() error {
		return os.Rename(filepath.Join(m.dir, "Documents/Sub"), filepath.Join(m.dir, "Documents/Moved"))
	}
	if err := m.sy.Move(context.Background(), "Documents/Sub", "Documents/Moved", false, mv); err != nil {
		t.Fatal(err)
	}
	m.record(journal.OpRename, "Documents/Moved", "Documents/Sub")
	if got := opens.Load(); got != 0 {
		t.Errorf("%d downloads before the logoff, want 0", got)
	}
	if !m.sy.Pending("Documents/Moved/d.txt") || m.sy.Pending("Documents/Sub/d.txt") {
		t.Error("the mark did not move with the rename")
	}
	m.logoff()
	got := tree(t, server)
	want := map[string]string{"Documents/b.txt": "", "Desktop/c.txt": "new c", "Documents/Moved/d.txt": "delta delta delta"}
	if _, ok := got["Documents/b.txt"]; ok {
		t.Error("deleted placeholder still on the server")
	}
	for p, c := range want {
		if c != "" && got[p] != c {
			t.Errorf("server %s = %q, want %q", p, got[p], c)
		}
	}
	if _, ok := got["Documents/Sub/d.txt"]; ok {
		t.Error("renamed-away file still on the server")
	}
	if got["Documents/a.txt"] != "alpha alpha" {
		t.Errorf("untouched file changed on the server: %q", got["Documents/a.txt"])
	}
}

// TestPlaceholderNeverUploaded: a placeholder with journaled intent whose
// server data is gone is skipped, never uploaded as zeros.
func TestPlaceholderNeverUploaded(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	m.logon()
	movePlaceholder(t, m, "Documents/a.txt", "Documents/z.txt")
	m.record(journal.OpRename, "Documents/z.txt", "Documents/a.txt")
	os.Remove(filepath.Join(server, "Documents/a.txt")) // gone before the logoff could fetch it
	m.logoff()
	if _, err := os.Stat(filepath.Join(server, "Documents/z.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a placeholder was uploaded: %v", err)
	}
}

// movePlaceholder renames a placeholder in the cache as the overlay does.
func movePlaceholder(t *testing.T, m *machine, from, to string) {
	t.Helper()
	mv := func() error { return os.Rename(filepath.Join(m.dir, from), filepath.Join(m.dir, to)) }
	if err := m.sy.Move(context.Background(), from, to, false, mv); err != nil {
		t.Fatal(err)
	}
}

// TestFetchDeletedElsewhere: a placeholder whose server file was deleted
// before it was read is "not found" to the open (ENOENT through the mount);
// a renamed one whose data is gone is not: that is data lost, an error.
func TestFetchDeletedElsewhere(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	m.logon()
	movePlaceholder(t, m, "Documents/a.txt", "Documents/z.txt")
	os.Remove(filepath.Join(server, "Documents/a.txt"))
	os.Remove(filepath.Join(server, "Documents/b.txt"))
	err := m.sy.Fetch(context.Background(), "Documents/b.txt")
	if !errors.Is(err, ErrGone) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("fetch of a placeholder deleted on the server: %v, want ErrGone and not-exist", err)
	}
	err = m.sy.Fetch(context.Background(), "Documents/z.txt")
	if !errors.Is(err, ErrGone) || errors.Is(err, os.ErrNotExist) {
		t.Errorf("fetch of a renamed placeholder whose data is gone: %v, want ErrGone only", err)
	}
}

// TestStaleMarkIsData: a mark whose cache file changed (a crash after a
// truncate, before the mark went) is the user's data, never a placeholder.
func TestStaleMarkIsData(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	m.logon()
	m.write("Documents/a.txt", "written by the user") // mark left behind
	if !m.sy.Pending("Documents/a.txt") {
		t.Fatal("test setup: the mark should still be there")
	}
	if err := m.sy.Fetch(context.Background(), "Documents/a.txt"); err != nil {
		t.Fatal(err)
	}
	if got := readCache(t, m, "Documents/a.txt"); got != "written by the user" {
		t.Errorf("a fetch replaced the user's data: %q", got)
	}
	m.logoff()
	if got := tree(t, server)["Documents/a.txt"]; got != "written by the user" {
		t.Errorf("server has %q", got)
	}
}

// TestFetchServerUnreachable: the fetch fails, the placeholder stays and a
// later fetch succeeds.
func TestFetchServerUnreachable(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, streamFiles)
	m := streamed(t, "A", server)
	m.logon()
	m.server.FailOn(func(string, string) error { return syscall.EIO })
	if err := m.sy.Fetch(context.Background(), "Documents/a.txt"); err == nil {
		t.Fatal("fetch from an unreachable server succeeded")
	}
	if !m.sy.Pending("Documents/a.txt") {
		t.Error("a failed fetch dropped the mark")
	}
	m.server.FailOn(nil)
	if err := m.sy.Fetch(context.Background(), "Documents/a.txt"); err != nil {
		t.Fatal(err)
	}
	if got := readCache(t, m, "Documents/a.txt"); got != "alpha alpha" {
		t.Errorf("fetched %q", got)
	}
}

func TestFillOrder(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, map[string]string{
		"Music/big.mp3":              strings.Repeat("m", 3000),
		"Documents/large.doc":        strings.Repeat("d", 2000),
		"Documents/small.doc":        "d",
		"AppData/Roaming/app.ini":    strings.Repeat("a", 5000),
		"Desktop/link.lnk":           "l",
		"AppData/Local/nonroam.txt":  "never",
		"Zebra/last.txt":             "z",
		"AppData/Roaming/small.conf": "s",
	})
	m := streamed(t, "A", server)
	m.logon()
	got := strings.Join(m.sy.FillOrder(0), " ")
	want := "AppData/Roaming/small.conf AppData/Roaming/app.ini Desktop/link.lnk Documents/small.doc Documents/large.doc Zebra/last.txt Music/big.mp3"
	if got != want {
		t.Errorf("fill order\n got %s\nwant %s", got, want)
	}
	if got := strings.Join(m.sy.FillOrder(2000), " "); got != "AppData/Roaming/app.ini Documents/large.doc Music/big.mp3" {
		t.Errorf("fill order with a minimum size: %s", got)
	}
}
