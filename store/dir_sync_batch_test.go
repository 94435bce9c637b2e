package store

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// countFlushes counts the folder flushes of the test, by the folder's path.
func countFlushes(t *testing.T) func() map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	old := flushDir
	flushDir = func(dir *os.Root) error {
		mu.Lock()
		got[filepath.Clean(dir.Name())]++
		mu.Unlock()
		return old(dir)
	}
	t.Cleanup(func() { flushDir = old })
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range got {
			out[k] = v
		}
		return out
	}
}

func TestDeferDirSyncsFlushesEachFolderOnce(t *testing.T) {
	d, root := newDir(t)
	for _, dir := range []string{"Documents", "Documents/sub", "Desktop"} {
		if err := d.Mkdir(ctx, dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Put(ctx, "Desktop/old.txt", strings.NewReader("old"), 0o644, mtime1); err != nil {
		t.Fatal(err)
	}
	flushes := countFlushes(t)
	bctx, batch := DeferDirSyncs(ctx)
	for _, rel := range []string{"Documents/a", "Documents/b", "Documents/sub/c", "top"} {
		if err := d.Put(bctx, rel, strings.NewReader(rel), 0o644, mtime1); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Symlink(bctx, "a", "Documents/link"); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(bctx, "Desktop/old.txt"); err != nil {
		t.Fatal(err)
	}
	if got := flushes(); len(got) != 0 {
		t.Fatalf("folders flushed before Flush: %v", got)
	}
	// The batch defers only the flush: every write is in place at once.
	for _, rel := range []string{"Documents/a", "Documents/sub/c", "top"} {
		if b, err := os.ReadFile(filepath.Join(root, rel)); err != nil || string(b) != rel {
			t.Errorf("%s before Flush: %q, %v", rel, b, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "Desktop/old.txt")); !os.IsNotExist(err) {
		t.Errorf("Desktop/old.txt before Flush: %v, want removed", err)
	}
	if err := batch.Flush(); err != nil {
		t.Fatal(err)
	}
	got := flushes()
	want := map[string]int{root: 1, filepath.Join(root, "Documents"): 1, filepath.Join(root, "Documents/sub"): 1, filepath.Join(root, "Desktop"): 1}
	if len(got) != len(want) {
		t.Errorf("flushed %v, want each of %v once", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s flushed %d times, want %d (all: %v)", k, got[k], n, got)
		}
	}
	// Empty again; and outside the batch a write flushes at once.
	if err := batch.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "Documents/d", strings.NewReader("d"), 0o644, mtime1); err != nil {
		t.Fatal(err)
	}
	if got := flushes()[filepath.Join(root, "Documents")]; got != 2 {
		t.Errorf("Documents flushed %d times after a write outside the batch, want 2", got)
	}
}

func TestDeferDirSyncsFolderGoneOrReplaced(t *testing.T) {
	d, root := newDir(t)
	for _, dir := range []string{"gone", "gone/deeper", "replaced"} {
		if err := d.Mkdir(ctx, dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	put := func(rel string) *DirSyncs {
		t.Helper()
		bctx, batch := DeferDirSyncs(ctx)
		if err := d.Put(bctx, rel, strings.NewReader(rel), 0o644, mtime1); err != nil {
			t.Fatal(err)
		}
		return batch
	}
	// A folder removed since is skipped: its removal is its parent's entry.
	gone := put("gone/deeper/a")
	if err := os.RemoveAll(filepath.Join(root, "gone")); err != nil {
		t.Fatal(err)
	}
	if err := gone.Flush(); err != nil {
		t.Errorf("Flush with the folder removed since: %v", err)
	}
	// So is one replaced by a file: what was written into it went with it.
	replaced := put("replaced/b")
	if err := os.RemoveAll(filepath.Join(root, "replaced")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "replaced"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := replaced.Flush(); err != nil {
		t.Errorf("Flush with the folder replaced by a file: %v", err)
	}
}
