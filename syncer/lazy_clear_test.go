package syncer

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLogonClearsAnInterruptedFill: a fill killed while it materialized a
// folder leaves in it what a crash leaves: a file it was downloading straight
// to its name, cut short, and a placeholder whose mark was not yet written
// (a download that failed). The folder is still marked. The next logon
// empties it before its table runs, so neither is taken for the server's
// file or for a new file of the user's: the cache ends as a clean logon
// leaves it and the logoff after it changes nothing on the server.
func TestLogonClearsAnInterruptedFill(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	before := tree(t, server)
	whole := streamed(t, "W", server)
	whole.logon()
	m := lazy(t, "A", server)
	m.logon()
	if _, ok := m.sy.lazy.get(m.sy.key("Documents")); !ok {
		t.Fatal("Documents not marked")
	}
	// A download cut short: the first bytes, its mtime now (set at the end).
	if err := os.WriteFile(filepath.Join(m.dir, "Documents/a.txt"), []byte("alp"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A placeholder for b.txt with the server's size, mode and mtime, no mark.
	sfi, err := os.Stat(filepath.Join(server, "Documents/b.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(m.dir, "Documents/b.txt")
	if err := os.WriteFile(b, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(b, sfi.Size()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(b, sfi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(b, sfi.ModTime(), sfi.ModTime()); err != nil {
		t.Fatal(err)
	}
	// A subfolder it had created (marked too).
	if err := os.Mkdir(filepath.Join(m.dir, "Documents/Sub"), 0o755); err != nil {
		t.Fatal(err)
	}

	m.restart()
	m.sy.cfg.NamespaceFile = "" // this logon materializes everything at once
	m.logon()
	if d := diffTrees(tree(t, whole.dir), tree(t, m.dir)); len(d) > 0 {
		t.Errorf("caches differ: %v", d)
	}
	// Each file holds the server's data or is a placeholder (marked, fetched
	// on open): never zeros or a prefix taken for data.
	for p, want := range lazyFiles {
		if !m.sy.Pending(p) && readCache(t, m, p) != want {
			t.Errorf("%s = %q, neither a placeholder nor the server's %q", p, readCache(t, m, p), want)
		}
	}
	if r := m.logoff(); r.Uploaded != 0 || r.Deleted != 0 || r.Conflicts != 0 {
		t.Errorf("logoff after the logon: %+v", r)
	}
	if d := diffTrees(before, tree(t, server)); len(d) > 0 {
		t.Fatalf("server changed: %v", d)
	}
}
