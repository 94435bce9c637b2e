package store

import (
	"bytes"
	"context"
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

func TestPutOpenStatRoundTrip(t *testing.T) {
	d, _ := newDir(t)
	tests := []struct {
		rel     string
		content string
		mode    fs.FileMode
		mtime   time.Time
	}{
		{"a.txt", "hello", 0o644, mtime1},
		{"private", "secret", 0o600, mtime2},
		{"empty", "", 0o640, mtime1},
		{"setuid", "#!", 0o755 | fs.ModeSetuid, mtime2},
		{"big", strings.Repeat("0123456789abcdef", 1<<16), 0o444, mtime1},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			if err := d.Put(ctx, tt.rel, strings.NewReader(tt.content), tt.mode, tt.mtime); err != nil {
				t.Fatal(err)
			}
			want := Info{Path: tt.rel, Kind: KindFile, Size: int64(len(tt.content)), MTime: tt.mtime, Mode: tt.mode}
			got, err := d.Stat(ctx, tt.rel)
			if err != nil {
				t.Fatal(err)
			}
			checkInfo(t, "Stat", got, want)
			content, got := readAll(t, d, tt.rel)
			checkInfo(t, "Open", got, want)
			if content != tt.content {
				t.Errorf("content = %d bytes, want %d", len(content), len(tt.content))
			}
		})
	}
	// Replacing keeps nothing of the old file.
	if err := d.Put(ctx, "a.txt", strings.NewReader("bye"), 0o600, mtime2); err != nil {
		t.Fatal(err)
	}
	content, got := readAll(t, d, "a.txt")
	checkInfo(t, "Open after replace", got, Info{Path: "a.txt", Kind: KindFile, Size: 3, MTime: mtime2, Mode: 0o600})
	if content != "bye" {
		t.Errorf("content = %q, want bye", content)
	}
}

func checkInfo(t *testing.T, what string, got, want Info) {
	t.Helper()
	if got.Path != want.Path || got.Kind != want.Kind || got.Size != want.Size ||
		got.Mode != want.Mode || got.Target != want.Target || !got.MTime.Equal(want.MTime) {
		t.Errorf("%s = %+v\n want %+v", what, got, want)
	}
}

func TestPutZeroMtimeKeepsWriteTime(t *testing.T) {
	d, _ := newDir(t)
	before := time.Now().Add(-time.Minute)
	if err := d.Put(ctx, "f", strings.NewReader("x"), 0o644, time.Time{}); err != nil {
		t.Fatal(err)
	}
	info, err := d.Stat(ctx, "f")
	if err != nil || info.MTime.Before(before) {
		t.Errorf("Stat = %+v, %v; want a current mtime", info, err)
	}
}

func TestPutErrors(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "dir/", "dir/x", "file")
	tests := []struct {
		rel  string
		want error
	}{
		{"dir", ErrIsDir},
		{"missing/x", fs.ErrNotExist},
		{"file/x", ErrNotDir},
		{"", ErrInvalidPath},
		{"../x", ErrInvalidPath},
	}
	for _, tt := range tests {
		err := d.Put(ctx, tt.rel, strings.NewReader("data"), 0o644, mtime1)
		if !errors.Is(err, tt.want) {
			t.Errorf("Put(%q) = %v, want %v", tt.rel, err, tt.want)
		}
	}
	if got := listTree(t, root); strings.Join(got, " ") != "dir dir/x file" {
		t.Errorf("tree after failed Puts = %q", got)
	}
}

// errReader fails after handing out some bytes, like a cache file on a dying disk.
type errReader struct{ n int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("read failed")
	}
	n := min(len(p), r.n)
	clear(p[:n])
	r.n -= n
	return n, nil
}

func TestPutFailedCopyLeavesOldFile(t *testing.T) {
	d, root := newDir(t)
	put(t, d, "f", "old")
	if err := d.Put(ctx, "f", &errReader{n: 100000}, 0o644, mtime2); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	if content, _ := readAll(t, d, "f"); content != "old" {
		t.Errorf("content = %q, want old", content)
	}
	if got := listTree(t, root); len(got) != 1 {
		t.Errorf("tree = %q, want only f (no temporary file)", got)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Put(cctx, "f", strings.NewReader("new"), 0o644, mtime2); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v", err)
	}
}

// TestPutAtomicReplace replaces a 4 MiB file over and over while readers read it:
// every read must be exactly one of the versions written, never a mix or a prefix.
func TestPutAtomicReplace(t *testing.T) {
	d, _ := newDir(t)
	const size = 4 << 20
	versions := make([][]byte, 4)
	known := map[string]bool{}
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, size)
		copy(versions[i][size/2:], []byte("middle of version "+string(rune('0'+i))))
		known[string(versions[i])] = true
	}
	if err := d.Put(ctx, "big", bytes.NewReader(versions[0]), 0o644, mtime1); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	readErr := make(chan error, 2)
	reads := make(chan int, 2)
	for range 2 {
		go func() {
			n := 0
			defer func() { reads <- n }()
			for {
				select {
				case <-done:
					readErr <- nil
					return
				default:
				}
				rc, _, err := d.Open(ctx, "big")
				if err != nil {
					readErr <- err
					return
				}
				var buf bytes.Buffer
				_, err = buf.ReadFrom(rc)
				rc.Close()
				if err != nil {
					readErr <- err
					return
				}
				if !known[buf.String()] {
					readErr <- errors.New("read a torn file")
					return
				}
				n++
			}
		}()
	}
	for i := range 24 {
		v := versions[(i+1)%len(versions)]
		if err := d.Put(ctx, "big", bytes.NewReader(v), 0o644, mtime1); err != nil {
			t.Error(err)
			break
		}
	}
	close(done)
	total := 0
	for range 2 {
		if err := <-readErr; err != nil {
			t.Error(err)
		}
		total += <-reads
	}
	if total == 0 {
		t.Error("the readers never completed a read")
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
