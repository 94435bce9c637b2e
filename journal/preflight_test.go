package journal

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOrphanTableIgnored: a daemon killed while badger flushed a memtable
// leaves a table file the MANIFEST never named (often empty). Badger deletes
// it at open; the preflight must not call the journal corrupt for it (found
// by TestReliabilityKilledSession). A damaged table the manifest does name is
// still refused.
func TestOrphanTableIgnored(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	for i := range 20000 { // enough to flush memtables into tables
		if _, err := j.Append(Record{Op: OpCreate, Path: filepath.Join("d", string(rune('a'+i%26)), "f")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(dir, "999999.sst")
	if err := os.WriteFile(orphan, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	j2, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open with an orphan empty table: %v", err)
	}
	if n := j2.PendingCount(); n != 20000 {
		t.Errorf("pending records after the reopen: %d, want 20000", n)
	}
	if err := j2.Close(); err != nil {
		t.Fatal(err)
	}

	listed, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(listed) == 0 {
		t.Fatal("no table written: the test did not flush a memtable")
	}
	if err := os.Truncate(listed[0], 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open with a listed table emptied: %v, want ErrCorrupt", err)
	}
}
