package syncer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestLazyCaseClash: names differing only in case inside a folder left
// unmaterialized are left out of the cache, as a logon leaves them, and are
// not counted as pending once the folder is materialized.
func TestLazyCaseClash(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, map[string]string{"Documents/other.txt": "other"})
	for n, c := range map[string]string{"Documents/Notes.txt": "upper", "Documents/notes.txt": "lower"} {
		if err := os.WriteFile(filepath.Join(server, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := lazy(t, "B", server)
	m.logon()
	if err := m.sy.MaterializeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, b := m.sy.Unfetched(); n != 1 || b != 5 {
		t.Errorf("Unfetched = %d, %d; want other.txt alone", n, b)
	}
	for _, p := range []string{"Documents/Notes.txt", "Documents/notes.txt"} {
		if _, err := os.Lstat(filepath.Join(m.dir, p)); err == nil {
			t.Errorf("%s brought into the cache", p)
		}
	}
}
