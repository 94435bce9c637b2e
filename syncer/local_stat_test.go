package syncer

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatCacheAgreesWithStat: the plan's folder-relative stat sees what
// local.stat sees, below symlinks, missing folders and files in the way
// included, and deeper than the folders it keeps open.
func TestStatCacheAgreesWithStat(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string) {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("a/b")
	write("a/b/f")
	write("a/file")
	os.WriteFile(filepath.Join(outside, "secret"), []byte("x"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "a/link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("b", filepath.Join(dir, "a/rel")); err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("d/", maxOpenFolders+20) + "leaf"
	mk(path.Dir(deep))
	write(deep)

	l, err := openLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	sc := l.newStatCache()
	defer sc.close()
	paths := []string{"", "a", "a/b", "a/b/f", "a/file", "a/file/below", "a/link", "a/link/secret",
		"a/rel", "a/rel/f", "missing", "missing/x/y", deep, path.Dir(deep), "a/b/f", deep, "d/d/nothing"}
	for _, p := range paths {
		want, werr := l.stat(p)
		got, gerr := sc.stat(p)
		if (werr != nil) != (gerr != nil) || got != want {
			t.Errorf("%q: statCache %+v (%v), stat %+v (%v)", p, got, gerr, want, werr)
		}
	}
	if got, _ := sc.stat("a/link/secret"); got.Present() {
		t.Errorf("a path below a symlink leading out of the cache reads as present: %+v", got)
	}
	if len(sc.dirs) > maxOpenFolders {
		t.Errorf("%d folders held open, more than %d", len(sc.dirs), maxOpenFolders)
	}
}

func TestPendingCovers(t *testing.T) {
	pd := &pending{paths: map[string]bool{"a/b/c": true, "x": true}}
	for rel, want := range map[string]bool{
		"a": true, "a/b": true, "a/b/c": true, "a/b/c/d": true, "x/y": true,
		"a/bc": false, "b": false, "": false, "a/b/d": false,
	} {
		if got := pd.covers(rel); got != want {
			t.Errorf("covers(%q) = %v, want %v", rel, got, want)
		}
	}
}
