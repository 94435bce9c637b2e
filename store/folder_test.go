package store

import (
	"errors"
	"io"
	"io/fs"
	"testing"
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
