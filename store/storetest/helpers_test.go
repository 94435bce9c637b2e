package storetest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"roamfs/store"
)

// These mirror store's own test helpers, which a test outside that package
// cannot reach.

var (
	ctx    = context.Background()
	mtime1 = time.Date(2021, 3, 4, 5, 6, 7, 123456789, time.UTC)
	mtime2 = time.Date(2019, 12, 31, 23, 59, 58, 987654321, time.UTC)
)

// newDir returns a Dir over a fresh directory and that directory's path.
func newDir(t *testing.T) (*store.Dir, string) {
	t.Helper()
	path := t.TempDir()
	d, err := store.OpenDir(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, path
}

// fixture builds a tree under root: names ending in "/" are directories, "name ->
// target" symlinks, anything else a file holding its own name.
func fixture(t *testing.T, root string, entries ...string) {
	t.Helper()
	for _, e := range entries {
		p := filepath.Join(root, filepath.FromSlash(e))
		var err error
		switch {
		case e[len(e)-1] == '/':
			err = os.MkdirAll(p, 0o755)
		case strings.Contains(e, " -> "):
			name, target, _ := strings.Cut(e, " -> ")
			err = os.Symlink(target, filepath.Join(root, filepath.FromSlash(name)))
		default:
			err = os.WriteFile(p, []byte(e), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// listTree returns every path under root, '/'-separated, sorted, not following symlinks.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func readAll(t *testing.T, d store.Store, rel string) (string, store.Info) {
	t.Helper()
	rc, info, err := d.Open(ctx, rel)
	if err != nil {
		t.Fatalf("Open(%q): %v", rel, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), info
}

func put(t *testing.T, d store.Store, rel, content string) {
	t.Helper()
	if err := d.Put(ctx, rel, bytes.NewBufferString(content), 0o644, mtime1); err != nil {
		t.Fatalf("Put(%q): %v", rel, err)
	}
}

func folderRead(t *testing.T, f store.Folder, name string) (string, store.Info, error) {
	t.Helper()
	rc, info, err := f.Open(ctx, name)
	if err != nil {
		return "", store.Info{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), info, err
}
