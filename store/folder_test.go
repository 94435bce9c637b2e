package store

import (
	"errors"
	"io"
	"io/fs"
	"syscall"
	"testing"
	"time"
)

func folderRead(t *testing.T, f Folder, name string) (string, Info, error) {
	t.Helper()
	rc, info, err := f.Open(ctx, name)
	if err != nil {
		return "", Info{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), info, err
}

func TestFolderOpensLikeOpen(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "a/", "a/b/", "a/b/f", "g")
	for _, c := range []struct{ dir, name, rel string }{{"a/b", "f", "a/b/f"}, {"", "g", "g"}} {
		f, err := OpenFolder(ctx, NewRetry(NewFaulty(d)), c.dir)
		if err != nil {
			t.Fatal(err)
		}
		got, info, err := folderRead(t, f, c.name)
		want, wantInfo := readAll(t, d, c.rel)
		if err != nil || got != want || info != wantInfo {
			t.Errorf("folder %q Open(%q) = %q %+v %v; Open(%q) = %q %+v", c.dir, c.name, got, info, err, c.rel, want, wantInfo)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}

// A held folder never leads anywhere Open would not: its own path and each
// name opened in it are resolved without following symlinks.
func TestFolderNeverFollowsSymlinks(t *testing.T) {
	d, _, _ := hostile(t)
	for _, rel := range []string{"sub", "relsub", "inside", "abs", "real/f", "nothere"} {
		if f, err := d.OpenFolder(ctx, rel); err == nil {
			f.Close()
			t.Errorf("OpenFolder(%q) succeeded", rel)
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("OpenFolder(%q) = %v, want fs.ErrNotExist", rel, err)
		}
	}
	f, err := d.OpenFolder(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{"abs", "rel", "passwd", "sub", "inside"} {
		if _, _, err := folderRead(t, f, name); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Open(%q) in the root folder = %v, want ErrNotRegular", name, err)
		}
	}
	for _, name := range []string{"real/f", "..", ".", ""} {
		if _, _, err := folderRead(t, f, name); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Open(%q) in the root folder = %v, want ErrInvalidPath", name, err)
		}
	}
}

// Faulty admits each Open in a folder as an Open of its full path, and Retry
// tries again by that path.
func TestFolderDecorators(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "a/", "a/f")
	fy := NewFaulty(d)
	var seen []string
	fails := 1
	fy.FailOn(func(op, rel string) error {
		seen = append(seen, op+" "+rel)
		if fails > 0 {
			fails--
			return syscall.EIO
		}
		return nil
	})
	f, err := OpenFolder(ctx, &Retry{Store: fy, Attempts: 2, Backoff: time.Millisecond}, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _, err := folderRead(t, f, "f")
	if err != nil || got != "a/f" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if want := []string{"open a/f", "open a/f"}; len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("Faulty saw %q, want %q", seen, want)
	}
}
