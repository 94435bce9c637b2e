package syncer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPlaceInFolder: a file placed through the folder gets the data, mode and
// mtime asked for, replaces a file, a symlink (never writing through it) or an
// empty folder, and leaves no temporary behind; a zero mtime leaves the time
// the file got when written, as os.Root.Chtimes does.
func TestPlaceInFolder(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(outside, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	cases := []struct {
		name  string
		setup func(p string) error
		mtime time.Time
	}{
		{"new", func(string) error { return nil }, mtime},
		{"over a file", func(p string) error { return os.WriteFile(p, []byte("old"), 0o600) }, mtime},
		{"over a symlink", func(p string) error { return os.Symlink(outside, p) }, mtime},
		{"over an empty folder", func(p string) error { return os.Mkdir(p, 0o755) }, mtime},
		{"zero mtime", func(string) error { return nil }, time.Time{}},
	}
	l, err := openLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	d, err := l.openDir("")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := "f" + string(rune('a'+i))
			p := filepath.Join(dir, base)
			if err := c.setup(p); err != nil {
				t.Fatal(err)
			}
			before := time.Now().Add(-time.Minute)
			if err := d.place(base, strings.NewReader("data"), Version{Kind: KindFile, Mode: 0o640, MTime: c.mtime}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(p)
			if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o640 || string(got) != "data" {
				t.Errorf("placed %v %q, want a regular file 0640 \"data\"", fi.Mode(), got)
			}
			want := c.mtime
			if want.IsZero() {
				if fi.ModTime().Before(before) {
					t.Errorf("a zero mtime set the time to %v", fi.ModTime())
				}
			} else if !fi.ModTime().Equal(want) {
				t.Errorf("mtime %v, want %v", fi.ModTime(), want)
			}
		})
	}
	if b, _ := os.ReadFile(outside); string(b) != "outside" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != len(cases) {
		t.Errorf("%d entries in the folder, want %d (a temporary left?)", len(ents), len(cases))
	}
}
