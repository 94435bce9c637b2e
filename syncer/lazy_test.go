package syncer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"roamfs/journal"
)

// lazy returns a machine whose streamed logons leave folders unmaterialized.
func lazy(t *testing.T, name, server string) *machine {
	m := streamed(t, name, server)
	m.sy.cfg.NamespaceFile = filepath.Join(t.TempDir(), "namespace")
	return m
}

// restart replaces m's syncer by a new one over the same cache and journal,
// as a daemon killed and started again.
func (m *machine) restart() {
	m.t.Helper()
	cfg := m.sy.cfg
	m.sy.Close()
	sy, err := New(cfg)
	if err != nil {
		m.t.Fatal(err)
	}
	m.sy = sy
	m.t.Cleanup(func() { sy.Close() })
}

var lazyFiles = map[string]string{
	"Documents/a.txt":           "alpha alpha",
	"Documents/b.txt":           "bravo",
	"Documents/Sub/d.txt":       "delta delta delta",
	"Documents/Sub/Deep/e.txt":  "echo",
	"Documents/Sub/Deep/empty":  "",
	"Desktop/c.txt":             "charlie",
	"AppData/Roaming/App/f.ini": "foxtrot",
	"empty.txt":                 "",
}

// bases lists m's bases, key → kind/size/mode.
func bases(t *testing.T, j *journal.Journal) map[string]string {
	out := map[string]string{}
	err := j.Bases("", func(k string, b journal.Base) error {
		out[k] = fmt.Sprintf("%d/%d/%o/%d", b.Kind, b.Size, b.Mode, b.MTime.UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func marks(m *machine) []string {
	var out []string
	for k := range m.sy.marks.under("") {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestLazyLogonThenMaterializeAll: the logon creates the top-level folders
// empty; materialized, the cache, the bases and the fetch marks are exactly
// what a logon that materializes everything at once gives.
func TestLazyLogonThenMaterializeAll(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	whole := streamed(t, "W", server)
	wres := whole.logon()
	m := lazy(t, "A", server)
	res := m.logon()
	if res.Placeholders != wres.Placeholders || res.PlaceholderBytes != wres.PlaceholderBytes {
		t.Errorf("lazy logon counts %d/%d, whole %d/%d", res.Placeholders, res.PlaceholderBytes, wres.Placeholders, wres.PlaceholderBytes)
	}
	if n, b := m.sy.Unfetched(); n != 6 || b != int64(len("alpha alphabravodelta delta deltaechocharliefoxtrot")) {
		t.Errorf("Unfetched = %d, %d", n, b)
	}
	if m.sy.Unmaterialized() == 0 {
		t.Fatal("no folder left unmaterialized")
	}
	for _, d := range []string{"Documents", "Desktop", "AppData"} {
		ents, err := os.ReadDir(filepath.Join(m.dir, d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if d != "AppData" || e.Name() != "Local" && e.Name() != "LocalLow" {
				t.Errorf("%s holds %s before it is materialized", d, e.Name())
			}
		}
	}
	if err := m.sy.MaterializeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := diffTrees(tree(t, whole.dir), tree(t, m.dir)); len(d) > 0 {
		t.Errorf("caches differ: %v", d)
	}
	if d := diffTrees(bases(t, whole.j), bases(t, m.j)); len(d) > 0 {
		t.Errorf("bases differ: %v", d)
	}
	if w, g := fmt.Sprint(marks(whole)), fmt.Sprint(marks(m)); w != g {
		t.Errorf("fetch marks %s, want %s", g, w)
	}
	if n, b := m.sy.Unfetched(); n != 6 || b != int64(len("alpha alphabravodelta delta deltaechocharliefoxtrot")) {
		t.Errorf("Unfetched after materializing = %d, %d", n, b)
	}
	n := 0
	m.j.EachUnmaterialized(func(string, journal.Unmaterialized) error { n++; return nil })
	if n != 0 || m.sy.Unmaterialized() != 0 {
		t.Errorf("%d folder marks left (%d in memory)", n, m.sy.Unmaterialized())
	}
	for p, c := range lazyFiles {
		if err := m.sy.Fetch(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		if got := readCache(t, m, p); got != c {
			t.Errorf("%s = %q, want %q", p, got, c)
		}
	}
}

// TestLazyMaterializeOnePath: a path materializes the folders above it and
// nothing else; a subtree materializes everything below.
func TestLazyMaterializeOnePath(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	m := lazy(t, "A", server)
	m.logon()
	if err := m.sy.Materialize("documents/SUB", false); err != nil {
		t.Fatal(err)
	}
	if got := readCache(t, m, "Documents/Sub/d.txt"); got != strings.Repeat("\x00", 17) {
		t.Errorf("d.txt = %q, want its placeholder", got)
	}
	if _, err := os.Stat(filepath.Join(m.dir, "Documents/Sub/Deep")); err != nil {
		t.Error(err)
	}
	for _, p := range []string{"Documents/Sub/Deep/e.txt", "Desktop/c.txt"} {
		if _, err := os.Stat(filepath.Join(m.dir, p)); err == nil {
			t.Errorf("%s materialized", p)
		}
	}
	if err := m.sy.Fetch(context.Background(), "Documents/Sub/d.txt"); err != nil {
		t.Fatal(err)
	}
	if got := readCache(t, m, "Documents/Sub/d.txt"); got != "delta delta delta" {
		t.Errorf("fetched %q", got)
	}
	if err := m.sy.Materialize("Documents", true); err != nil {
		t.Fatal(err)
	}
	if got := readCache(t, m, "Documents/Sub/Deep/empty"); got != "" {
		t.Errorf("empty = %q", got)
	}
	if _, ok := m.sy.lazy.get(m.sy.key("Desktop")); !ok {
		t.Error("Desktop materialized by a path elsewhere")
	}
}

// TestLazyLogoffLeavesServer: a logoff right after a lazy logon, and after
// one change in a materialized folder, changes nothing else on the server;
// a full reconcile materializes first and deletes nothing.
func TestLazyLogoffLeavesServer(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	before := tree(t, server)
	m := lazy(t, "A", server)
	m.logon()
	if r := m.logoff(); r.Uploaded != 0 || r.Deleted != 0 {
		t.Errorf("logoff: %+v", r)
	}
	if d := diffTrees(before, tree(t, server)); len(d) > 0 {
		t.Fatalf("server changed: %v", d)
	}
	m.logon()
	if err := m.sy.Materialize("Documents/x", false); err != nil {
		t.Fatal(err)
	}
	m.write("Documents/new.txt", "new")
	if r := m.logoff(); r.Uploaded != 1 || r.Deleted != 0 {
		t.Errorf("logoff: %+v", r)
	}
	before["Documents/new.txt"] = "new"
	if d := diffTrees(before, tree(t, server)); len(d) > 0 {
		t.Fatalf("server: %v", d)
	}
	m.logon()
	plan, err := m.sy.PlanFull(context.Background(), m.clock)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range plan.Steps {
		if st.Action == ActDeleteServer {
			t.Errorf("full reconcile deletes %s", st.Path)
		}
	}
}

// TestLazyInterruptedMaterialization: a materialization cut short before its
// last transaction (the folder still marked, its entries placed, bases
// partly written) is done again cleanly; and a daemon killed with folders
// unmaterialized leaves the next logon a complete, correct cache.
func TestLazyInterruptedMaterialization(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	whole := streamed(t, "W", server)
	whole.logon()
	m := lazy(t, "A", server)
	m.logon()
	u, ok := m.sy.lazy.get(m.sy.key("Documents"))
	if !ok {
		t.Fatal("Documents not marked")
	}
	if err := m.sy.Materialize("Documents", false); err != nil {
		t.Fatal(err)
	}
	// Back to "crashed before Materialized": marked again, bases gone.
	if err := m.j.SetUnmaterialized(map[string]journal.Unmaterialized{m.sy.key("Documents"): u}, nil); err != nil {
		t.Fatal(err)
	}
	if err := m.j.SetBases(nil, []string{m.sy.key("Documents/a.txt"), m.sy.key("Documents/Sub")}); err != nil {
		t.Fatal(err)
	}
	m.restart()
	if err := m.sy.MaterializeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := diffTrees(tree(t, whole.dir), tree(t, m.dir)); len(d) > 0 {
		t.Errorf("caches differ: %v", d)
	}
	if d := diffTrees(bases(t, whole.j), bases(t, m.j)); len(d) > 0 {
		t.Errorf("bases differ: %v", d)
	}

	// Killed right after a logon: the next logon brings everything.
	before := tree(t, server)
	k := lazy(t, "K", server)
	k.logon()
	if err := k.sy.Materialize("Documents/Sub/x", false); err != nil {
		t.Fatal(err)
	}
	k.restart()
	if k.sy.Unmaterialized() == 0 {
		t.Fatal("the marks did not survive the restart")
	}
	k.sy.cfg.NamespaceFile = "" // the next logon materializes everything at once
	k.logon()
	if d := diffTrees(tree(t, whole.dir), tree(t, k.dir)); len(d) > 0 {
		t.Errorf("caches differ: %v", d)
	}
	if d := diffTrees(bases(t, whole.j), bases(t, k.j)); len(d) > 0 {
		t.Errorf("bases differ: %v", d)
	}
	if r := k.logoff(); r.Uploaded != 0 || r.Deleted != 0 {
		t.Errorf("logoff: %+v", r)
	}
	if d := diffTrees(before, tree(t, server)); len(d) > 0 {
		t.Fatalf("server changed: %v", d)
	}
}

// TestFillFoldersDownloadsSmallFiles: the fill's materialization brings the
// data of small files with their folder (no placeholder, no mark), leaves
// files under PSAlwaysCacheSize and over the inline bound as placeholders,
// takes the server's version at download time as the base, and leaves out a
// file gone from the server meanwhile.
func TestFillFoldersDownloadsSmallFiles(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	files := maps.Clone(lazyFiles)
	big := strings.Repeat("x", inlineMax+1)
	files["Documents/Sub/big.bin"] = big
	seedServer(t, server, files)
	m := lazy(t, "A", server)
	m.logon()
	// Meanwhile, on the server: one file changes, one goes.
	later := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.WriteFile(filepath.Join(server, "Documents/b.txt"), []byte("bravo, newer"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(server, "Documents/b.txt"), later, later)
	os.Remove(filepath.Join(server, "Desktop/c.txt"))
	if err := m.sy.FillFolders(context.Background(), int64(len("bravo"))); err != nil {
		t.Fatal(err)
	}
	if m.sy.Unmaterialized() != 0 {
		t.Fatal("folders left unmaterialized")
	}
	// Inline: every small file of at least 5 bytes (as the namespace has
	// them); placeholders: the one under the minimum and the big one.
	want := map[string]string{"Documents/a.txt": "alpha alpha", "Documents/b.txt": "bravo, newer",
		"Documents/Sub/d.txt": "delta delta delta", "AppData/Roaming/App/f.ini": "foxtrot"}
	for p, c := range want {
		if m.sy.Pending(p) {
			t.Errorf("%s is still a placeholder", p)
		} else if got := readCache(t, m, p); got != c {
			t.Errorf("%s = %q, want %q", p, got, c)
		}
	}
	for _, p := range []string{"Documents/Sub/Deep/e.txt", "Documents/Sub/big.bin"} {
		if !m.sy.Pending(p) {
			t.Errorf("%s is not a placeholder (under the minimum or over the inline bound)", p)
		}
	}
	if _, err := os.Lstat(filepath.Join(m.dir, "Desktop/c.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file gone from the server was placed: %v", err)
	}
	b, ok, err := m.j.Base(m.sy.key("Documents/b.txt"))
	if err != nil || !ok || !b.MTime.Equal(later) {
		t.Errorf("base of the file changed on the server: %+v %v %v, want its mtime %v", b, ok, err, later)
	}
	if err := m.sy.Fetch(context.Background(), "Documents/Sub/big.bin"); err != nil || readCache(t, m, "Documents/Sub/big.bin") != big {
		t.Errorf("the big file after its fetch: %v", err)
	}
	// A logoff right after uploads nothing and deletes nothing.
	res := m.logoff()
	if res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("logoff after the fill: %+v", res)
	}
}

// TestFillFoldersServerFolderGone: the fill opens each server folder once
// for its small files; a folder gone from the server since the logon leaves
// its files out (the next pull or logon decides), and the others come down.
func TestFillFoldersServerFolderGone(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	m := lazy(t, "A", server)
	m.logon()
	if err := os.RemoveAll(filepath.Join(server, "Desktop")); err != nil {
		t.Fatal(err)
	}
	if err := m.sy.FillFolders(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if m.sy.Unmaterialized() != 0 {
		t.Fatal("folders left unmaterialized")
	}
	if _, err := os.Lstat(filepath.Join(m.dir, "Desktop/c.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file of a folder gone from the server was placed: %v", err)
	}
	if got := readCache(t, m, "Documents/Sub/Deep/e.txt"); got != "echo" {
		t.Errorf("Documents/Sub/Deep/e.txt = %q after the fill", got)
	}
}
