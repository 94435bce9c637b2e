package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenDir(t *testing.T) {
	base := t.TempDir()
	missing := filepath.Join(base, "profiles", "alice")
	if _, err := OpenDir(missing, false); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenDir(missing, false) = %v, want ErrNotExist", err)
	}
	d, err := OpenDir(missing, true)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Root() != missing {
		t.Errorf("Root() = %q, want %q", d.Root(), missing)
	}
	fi, err := os.Stat(missing)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("created directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	file := filepath.Join(base, "file")
	fixture(t, base, "file")
	if _, err := OpenDir(file, true); !errors.Is(err, ErrNotDir) {
		t.Errorf("OpenDir(file) = %v, want ErrNotDir", err)
	}
}

func TestMkdir(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "file", "link -> file")
	if err := d.Mkdir(ctx, "new", 0o750); err != nil {
		t.Fatal(err)
	}
	checkMode(t, d, "new", KindDir, 0o750)
	if err := d.Mkdir(ctx, "new/sub", 0o777); err != nil {
		t.Fatal(err)
	}
	checkMode(t, d, "new/sub", KindDir, 0o777) // not masked by the umask
	if err := d.Mkdir(ctx, "new", 0o700); err != nil {
		t.Errorf("Mkdir of an existing directory = %v", err)
	}
	checkMode(t, d, "new", KindDir, 0o700)

	for rel, want := range map[string]error{
		"file":      fs.ErrExist,
		"link":      fs.ErrExist,
		"missing/x": fs.ErrNotExist,
		"link/x":    ErrNotDir,
		"":          ErrInvalidPath,
	} {
		if err := d.Mkdir(ctx, rel, 0o755); !errors.Is(err, want) {
			t.Errorf("Mkdir(%q) = %v, want %v", rel, err, want)
		}
	}
}

func checkMode(t *testing.T, d Store, rel string, kind Kind, mode fs.FileMode) {
	t.Helper()
	info, err := d.Stat(ctx, rel)
	if err != nil || info.Kind != kind || info.Mode != mode {
		t.Errorf("Stat(%q) = %+v, %v; want %v mode %v", rel, info, err, kind, mode)
	}
}

func TestSymlink(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "file", "dir/")
	tests := []struct{ rel, target string }{
		{"abs", "/etc/passwd"},
		{"rel", "../../outside"},
		{"dangling", "nowhere"},
		{"abs", "file"}, // replaces a symlink
		{"file", "dir"}, // replaces a file
	}
	for _, tt := range tests {
		if err := d.Symlink(ctx, tt.target, tt.rel); err != nil {
			t.Fatalf("Symlink(%q, %q): %v", tt.target, tt.rel, err)
		}
		info, err := d.Stat(ctx, tt.rel)
		if err != nil {
			t.Fatal(err)
		}
		checkInfo(t, "Stat", Info{Path: info.Path, Kind: info.Kind, Size: info.Size, Target: info.Target},
			Info{Path: tt.rel, Kind: KindSymlink, Size: int64(len(tt.target)), Target: tt.target})
	}
	if err := d.Symlink(ctx, "x", "dir"); !errors.Is(err, ErrIsDir) {
		t.Errorf("Symlink over a directory = %v, want ErrIsDir", err)
	}
	if got := strings.Join(listTree(t, root), " "); got != "abs dangling dir file rel" {
		t.Errorf("tree = %q", got)
	}
}

func TestRemove(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "file", "link -> file", "dangling -> nowhere", "empty/", "full/", "full/x")
	tests := []struct {
		rel  string
		want error
	}{
		{"file", nil},
		{"file", nil}, // again: already absent
		{"link", nil},
		{"dangling", nil},
		{"empty/", ErrInvalidPath},
		{"empty", nil},
		{"missing/x", nil},
		{"full", ErrNotEmpty},
		{"full/x/y", nil}, // parent is a file: nothing there
		{"full/x", nil},
		{"full", nil},
		{"", ErrInvalidPath},
	}
	for _, tt := range tests {
		err := d.Remove(ctx, tt.rel)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("Remove(%q) = %v, want %v", tt.rel, err, tt.want)
		}
	}
	if got := listTree(t, root); len(got) != 0 {
		t.Errorf("tree after removing everything = %q", got)
	}
}

func TestSetTimes(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "file", "dir/", "link -> file")
	for _, rel := range []string{"file", "dir", "link", ""} {
		if err := d.SetTimes(ctx, rel, mtime2); err != nil {
			t.Fatalf("SetTimes(%q): %v", rel, err)
		}
		info, err := d.Stat(ctx, rel)
		if err != nil || !info.MTime.Equal(mtime2) {
			t.Errorf("Stat(%q) after SetTimes = %v, %v", rel, info.MTime, err)
		}
	}
	// The link's own times changed; setting them again must not reach its target.
	if err := d.SetTimes(ctx, "link", mtime1); err != nil {
		t.Fatal(err)
	}
	if info, _ := d.Stat(ctx, "file"); !info.MTime.Equal(mtime2) {
		t.Errorf("SetTimes on a symlink changed its target to %v", info.MTime)
	}
	if err := d.SetTimes(ctx, "missing", mtime1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("SetTimes(missing) = %v", err)
	}
	if err := d.SetTimes(ctx, "file", time.Time{}); err == nil {
		t.Error("SetTimes with a zero time succeeded")
	}
}

func TestCleanTemp(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root,
		"keep", "a/", "a/keep", "a/b/",
		TempPrefix+"1", "a/"+TempPrefix+"2", "a/b/"+TempPrefix+"3",
		"a/"+TempPrefix+"link -> keep",
	)
	n, err := d.CleanTemp(ctx)
	if err != nil || n != 4 {
		t.Fatalf("CleanTemp = %d, %v; want 4", n, err)
	}
	if got := strings.Join(listTree(t, root), " "); got != "a a/b a/keep keep" {
		t.Errorf("tree = %q", got)
	}
	if n, err := d.CleanTemp(ctx); err != nil || n != 0 {
		t.Errorf("second CleanTemp = %d, %v; want 0", n, err)
	}
}

func TestIsEmpty(t *testing.T) {
	d, root := newDir(t)
	for _, step := range []struct {
		add   string
		empty bool
	}{
		{"", true},
		{TempPrefix + "x", true},
		{"NTUSER.DAT", false},
	} {
		if step.add != "" {
			fixture(t, root, step.add)
		}
		if empty, err := d.IsEmpty(ctx); err != nil || empty != step.empty {
			t.Errorf("after %q: IsEmpty = %v, %v; want %v", step.add, empty, err, step.empty)
		}
	}
}

func TestStatRoot(t *testing.T) {
	d, _ := newDir(t)
	info, err := d.Stat(ctx, "")
	if err != nil || info.Kind != KindDir || info.Path != "" {
		t.Errorf("Stat(root) = %+v, %v", info, err)
	}
	if _, _, err := d.Open(ctx, ""); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Open(root) = %v", err)
	}
}

func TestInvalidPathsTouchNothing(t *testing.T) {
	d, _ := newDir(t)
	for _, rel := range []string{"../x", "/etc/passwd", "a/../../x", "a//b", "."} {
		errs := map[string]error{}
		_, errs["Stat"] = d.Stat(ctx, rel)
		_, _, errs["Open"] = d.Open(ctx, rel)
		errs["Walk"] = d.Walk(ctx, rel, func(Info) error { return nil })
		errs["Put"] = d.Put(ctx, rel, strings.NewReader("x"), 0o644, mtime1)
		errs["Mkdir"] = d.Mkdir(ctx, rel, 0o755)
		errs["Symlink"] = d.Symlink(ctx, "t", rel)
		errs["Remove"] = d.Remove(ctx, rel)
		errs["SetTimes"] = d.SetTimes(ctx, rel, mtime1)
		for op, err := range errs {
			if !errors.Is(err, ErrInvalidPath) || !IsPermanent(err) {
				t.Errorf("%s(%q) = %v, want ErrInvalidPath", op, rel, err)
			}
		}
	}
}
