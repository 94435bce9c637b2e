package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roamfs/store"
)

// Run is the one conformance suite of the Store contract (store.Store's doc
// comment): every implementation, and every decorator around one, passes it.
// open returns an empty profile folder, closed by the caller's t.Cleanup.
// Metadata a store cannot keep is compared at its fidelity (store.Limits).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"PutAndOpen", testPutAndOpen},
		{"PutReplaces", testPutReplaces},
		{"PutErrors", testPutErrors},
		{"PutVia", testPutVia},
		{"Mkdir", testMkdir},
		{"Walk", testWalk},
		{"WalkSkip", testWalkSkip},
		{"Remove", testRemove},
		{"Symlink", testSymlink},
		{"SetTimes", testSetTimes},
		{"CleanTemp", testCleanTemp},
		{"InvalidPaths", testInvalidPaths},
		{"ConcurrentPuts", testConcurrentPuts},
		{"Folder", testFolder},
		{"ListNames", testListNames},
		{"Case", testCase},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

var (
	cctx    = context.Background()
	cmtime1 = time.Date(2021, 3, 4, 5, 6, 7, 123456789, time.UTC)
	cmtime2 = time.Date(2019, 12, 31, 23, 59, 58, 987654321, time.UTC)
)

// kept is what s reports for an entry written with mode and mtime.
func kept(s store.Store, kind store.Kind, mode fs.FileMode, mtime time.Time) (fs.FileMode, time.Time) {
	if l := store.LimitsOf(s); l != nil {
		return l.Kept(kind, mode, mtime)
	}
	if kind == store.KindSymlink {
		mode = 0
	}
	return mode, mtime
}

func cput(t *testing.T, s store.Store, rel, content string, mode fs.FileMode, mtime time.Time) {
	t.Helper()
	if err := s.Put(cctx, rel, strings.NewReader(content), mode, mtime); err != nil {
		t.Fatalf("Put(%q): %v", rel, err)
	}
}

func cmkdir(t *testing.T, s store.Store, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if err := s.Mkdir(cctx, rel, 0o755); err != nil {
			t.Fatalf("Mkdir(%q): %v", rel, err)
		}
	}
}

func cread(t *testing.T, s store.Store, rel string) (string, store.Info) {
	t.Helper()
	rc, info, err := s.Open(cctx, rel)
	if err != nil {
		t.Fatalf("Open(%q): %v", rel, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", rel, err)
	}
	return string(b), info
}

// tree lists the profile: "path" for files, "path/" for folders, "path ->
// target" for symlinks, in walk order.
func tree(t *testing.T, s store.Store) string {
	t.Helper()
	var out []string
	err := s.Walk(cctx, "", func(i store.Info) error {
		switch i.Kind {
		case store.KindDir:
			out = append(out, i.Path+"/")
		case store.KindSymlink:
			out = append(out, i.Path+" -> "+i.Target)
		default:
			out = append(out, i.Path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return strings.Join(out, " ")
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("%s = %v, want %v", what, err, want)
	}
}

func testPutAndOpen(t *testing.T, s store.Store) {
	cput(t, s, "a.txt", "hello", 0o644, cmtime1)
	got, info := cread(t, s, "a.txt")
	if got != "hello" {
		t.Errorf("content = %q", got)
	}
	mode, mt := kept(s, store.KindFile, 0o644, cmtime1)
	if info.Path != "a.txt" || info.Kind != store.KindFile || info.Size != 5 || !info.MTime.Equal(mt) || info.Mode != mode {
		t.Errorf("Open info = %+v; want file of 5 bytes, mtime %v, mode %v", info, mt, mode)
	}
	st, err := s.Stat(cctx, "a.txt")
	if err != nil || st.Kind != info.Kind || st.Size != info.Size || !st.MTime.Equal(info.MTime) || st.Mode != info.Mode {
		t.Errorf("Stat = %+v, %v; want what Open said: %+v", st, err, info)
	}
	// A read-only file stays read-only: the one permission bit every server keeps.
	cput(t, s, "ro.txt", "r", 0o444, cmtime2)
	mode, _ = kept(s, store.KindFile, 0o444, cmtime2)
	if st, err := s.Stat(cctx, "ro.txt"); err != nil || st.Mode != mode || st.Mode&0o200 != 0 {
		t.Errorf("Stat(ro.txt) = %+v, %v; want mode %v", st, err, mode)
	}
	before := time.Now().Add(-time.Minute)
	cput(t, s, "now.txt", "", 0o644, time.Time{})
	if st, err := s.Stat(cctx, "now.txt"); err != nil || st.MTime.Before(before) || st.Size != 0 {
		t.Errorf("Put with a zero mtime: %+v, %v; want the time of writing", st, err)
	}
	root, err := s.Stat(cctx, "")
	if err != nil || root.Kind != store.KindDir {
		t.Errorf("Stat(root) = %+v, %v", root, err)
	}
	_, _, err = s.Open(cctx, "")
	wantErr(t, "Open(root)", err, store.ErrNotRegular)
	_, err = s.Stat(cctx, "missing")
	wantErr(t, "Stat(missing)", err, fs.ErrNotExist)
	_, err = s.Stat(cctx, "a.txt/x")
	wantErr(t, "Stat(below a file)", err, fs.ErrNotExist)
	_, _, err = s.Open(cctx, "missing")
	wantErr(t, "Open(missing)", err, fs.ErrNotExist)
}

func testPutReplaces(t *testing.T, s store.Store) {
	cmkdir(t, s, "d")
	cput(t, s, "d/f", "first version, longer", 0o644, cmtime1)
	cput(t, s, "d/f", "second", 0o600, cmtime2)
	got, info := cread(t, s, "d/f")
	_, mt := kept(s, store.KindFile, 0o600, cmtime2)
	if got != "second" || !info.MTime.Equal(mt) {
		t.Errorf("after replace: %q %v", got, info.MTime)
	}
	// Replacing a read-only file works too (Windows refuses to rename over one).
	cput(t, s, "d/ro", "1", 0o444, cmtime1)
	cput(t, s, "d/ro", "2", 0o644, cmtime1)
	if got, _ := cread(t, s, "d/ro"); got != "2" {
		t.Errorf("read-only file replaced: %q", got)
	}
	if got := tree(t, s); got != "d/ d/f d/ro" {
		t.Errorf("tree = %q (no temporary file may stay)", got)
	}
}

func testPutErrors(t *testing.T, s store.Store) {
	cmkdir(t, s, "dir")
	err := s.Put(cctx, "dir", strings.NewReader("x"), 0o644, cmtime1)
	wantErr(t, "Put over a directory", err, store.ErrIsDir)
	err = s.Put(cctx, "nodir/f", strings.NewReader("x"), 0o644, cmtime1)
	wantErr(t, "Put in a missing folder", err, fs.ErrNotExist)
	failing := io.MultiReader(strings.NewReader("part"), errReader{})
	if err := s.Put(cctx, "dir/f", failing, 0o644, cmtime1); err == nil {
		t.Error("Put with a failing reader succeeded")
	}
	if got := tree(t, s); got != "dir/" {
		t.Errorf("tree after failed puts = %q", got)
	}
	ctx, cancel := context.WithCancel(cctx)
	cancel()
	err = s.Put(ctx, "dir/f", strings.NewReader("x"), 0o644, cmtime1)
	wantErr(t, "Put with a cancelled context", err, context.Canceled)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("reader broke") }

func testPutVia(t *testing.T, s store.Store) {
	tmp := "NTUSER.DAT.{4f3c2b1a-0000-4000-8000-123456789abc}.tmp"
	if err := s.PutVia(cctx, "NTUSER.DAT", tmp, strings.NewReader("hive"), 0o600, cmtime1); err != nil {
		t.Fatal(err)
	}
	if got, _ := cread(t, s, "NTUSER.DAT"); got != "hive" {
		t.Errorf("content = %q", got)
	}
	cput(t, s, tmp, "stale", 0o600, cmtime1)
	err := s.PutVia(cctx, "NTUSER.DAT", tmp, strings.NewReader("new"), 0o600, cmtime1)
	wantErr(t, "PutVia over an existing temporary file", err, fs.ErrExist)
	for _, bad := range []string{"", ".", "..", "a/b", "a\x00b"} {
		err := s.PutVia(cctx, "NTUSER.DAT", bad, strings.NewReader("x"), 0o600, cmtime1)
		wantErr(t, fmt.Sprintf("PutVia(tmp %q)", bad), err, store.ErrInvalidPath)
	}
	if got, _ := cread(t, s, "NTUSER.DAT"); got != "hive" {
		t.Errorf("content after refused puts = %q", got)
	}
}

func testMkdir(t *testing.T, s store.Store) {
	cmkdir(t, s, "new", "new/sub", "new")
	mode, _ := kept(s, store.KindDir, 0o755, time.Time{})
	if st, err := s.Stat(cctx, "new/sub"); err != nil || st.Kind != store.KindDir || st.Mode != mode {
		t.Errorf("Stat(new/sub) = %+v, %v; want a folder of mode %v", st, err, mode)
	}
	cput(t, s, "file", "x", 0o644, cmtime1)
	wantErr(t, "Mkdir over a file", s.Mkdir(cctx, "file", 0o755), fs.ErrExist)
	wantErr(t, "Mkdir in a missing folder", s.Mkdir(cctx, "missing/x", 0o755), fs.ErrNotExist)
	wantErr(t, "Mkdir below a file", s.Mkdir(cctx, "file/x", 0o755), fs.ErrNotExist)
	wantErr(t, "Mkdir(root)", s.Mkdir(cctx, "", 0o755), store.ErrInvalidPath)
}

func testWalk(t *testing.T, s store.Store) {
	cmkdir(t, s, "b", "b/c", "a")
	cput(t, s, "b/c/f", "f", 0o644, cmtime1)
	cput(t, s, "b/A", "A", 0o644, cmtime1)
	cput(t, s, "z", "z", 0o644, cmtime1)
	cput(t, s, "a/1", "1", 0o644, cmtime1)
	if got, want := tree(t, s), "a/ a/1 b/ b/A b/c/ b/c/f z"; got != want {
		t.Errorf("tree = %q, want %q", got, want)
	}
	var sub []string
	if err := s.Walk(cctx, "b", func(i store.Info) error { sub = append(sub, i.Path); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sub, " "); got != "b/A b/c b/c/f" {
		t.Errorf("Walk(b) = %q", got)
	}
	var info store.Info
	s.Walk(cctx, "b/c", func(i store.Info) error { info = i; return nil })
	_, mt := kept(s, store.KindFile, 0o644, cmtime1)
	if info.Path != "b/c/f" || info.Kind != store.KindFile || info.Size != 1 || !info.MTime.Equal(mt) {
		t.Errorf("Walk info = %+v", info)
	}
	nop := func(store.Info) error { return nil }
	wantErr(t, "Walk(missing)", s.Walk(cctx, "missing", nop), fs.ErrNotExist)
	err := s.Walk(cctx, "z", nop)
	wantErr(t, "Walk(file)", err, store.ErrNotDir)
	wantErr(t, "Walk(file)", err, fs.ErrNotExist)
	boom := errors.New("boom")
	wantErr(t, "Walk with fn failing", s.Walk(cctx, "", func(store.Info) error { return boom }), boom)
}

func testWalkSkip(t *testing.T, s store.Store) {
	cmkdir(t, s, "a", "b")
	cput(t, s, "a/1", "1", 0o644, cmtime1)
	cput(t, s, "a/2", "2", 0o644, cmtime1)
	cput(t, s, "b/1", "1", 0o644, cmtime1)
	var seen []string
	err := s.Walk(cctx, "", func(i store.Info) error {
		seen = append(seen, i.Path)
		switch i.Path {
		case "a/1":
			return fs.SkipDir // for a file: the rest of its folder
		case "b":
			return fs.SkipDir
		}
		return nil
	})
	if got := strings.Join(seen, " "); err != nil || got != "a a/1 b" {
		t.Errorf("Walk with SkipDir saw %q, %v", got, err)
	}
	seen = nil
	err = s.Walk(cctx, "", func(i store.Info) error { seen = append(seen, i.Path); return fs.SkipAll })
	if err != nil || len(seen) != 1 {
		t.Errorf("Walk with SkipAll saw %q, %v", seen, err)
	}
}

func testRemove(t *testing.T, s store.Store) {
	cmkdir(t, s, "empty", "full")
	cput(t, s, "file", "x", 0o644, cmtime1)
	cput(t, s, "full/x", "x", 0o644, cmtime1)
	cput(t, s, "ro", "x", 0o444, cmtime1)
	for _, c := range []struct {
		rel  string
		want error
	}{
		{"file", nil}, {"file", nil}, {"ro", nil}, {"empty", nil},
		{"missing/x", nil}, {"full/x/y", nil},
		{"full", store.ErrNotEmpty}, {"", store.ErrInvalidPath}, {"full/", store.ErrInvalidPath},
	} {
		wantErr(t, fmt.Sprintf("Remove(%q)", c.rel), s.Remove(cctx, c.rel), c.want)
	}
	if got := tree(t, s); got != "full/ full/x" {
		t.Errorf("tree = %q", got)
	}
}

func testSymlink(t *testing.T, s store.Store) {
	cmkdir(t, s, "dir")
	cput(t, s, "file", "x", 0o644, cmtime1)
	for _, c := range []struct{ rel, target string }{
		{"abs", "/etc/passwd"},
		{"rel", "../../outside"},
		{"abs", "file"},   // replaces a symlink
		{"file", "dir/x"}, // replaces a file
	} {
		if err := s.Symlink(cctx, c.target, c.rel); err != nil {
			t.Fatalf("Symlink(%q, %q): %v", c.target, c.rel, err)
		}
		st, err := s.Stat(cctx, c.rel)
		if err != nil || st.Kind != store.KindSymlink || st.Target != c.target || st.Size != int64(len(c.target)) {
			t.Errorf("Stat(%q) = %+v, %v; want a symlink to %q", c.rel, st, err, c.target)
		}
	}
	wantErr(t, "Symlink over a directory", s.Symlink(cctx, "x", "dir"), store.ErrIsDir)
	_, _, err := s.Open(cctx, "abs")
	wantErr(t, "Open(symlink)", err, store.ErrNotRegular)
	_, _, err = s.Open(cctx, "dir")
	wantErr(t, "Open(dir)", err, store.ErrNotRegular)
	_, err = s.Stat(cctx, "abs/x")
	wantErr(t, "Stat below a symlink", err, fs.ErrNotExist)
	if got := tree(t, s); got != "abs -> file dir/ file -> dir/x rel -> ../../outside" {
		t.Errorf("tree = %q", got)
	}
	wantErr(t, "Remove(symlink)", s.Remove(cctx, "abs"), nil)
	if _, err := s.Stat(cctx, "file"); err != nil {
		t.Errorf("removing a symlink touched its target: %v", err)
	}
}

func testSetTimes(t *testing.T, s store.Store) {
	cmkdir(t, s, "d")
	cput(t, s, "d/f", "x", 0o644, cmtime1)
	for _, rel := range []string{"d/f", "d", ""} {
		if err := s.SetTimes(cctx, rel, cmtime2); err != nil {
			t.Fatalf("SetTimes(%q): %v", rel, err)
		}
		_, want := kept(s, store.KindFile, 0o644, cmtime2)
		if st, err := s.Stat(cctx, rel); err != nil || !st.MTime.Equal(want) {
			t.Errorf("Stat(%q).MTime = %v, %v; want %v", rel, st.MTime, err, want)
		}
	}
	wantErr(t, "SetTimes(zero)", s.SetTimes(cctx, "d/f", time.Time{}), fs.ErrInvalid)
	wantErr(t, "SetTimes(missing)", s.SetTimes(cctx, "missing", cmtime1), fs.ErrNotExist)
}

func testCleanTemp(t *testing.T, s store.Store) {
	cmkdir(t, s, "d", "d/"+store.TempPrefix+"dir")
	cput(t, s, "keep", "x", 0o644, cmtime1)
	cput(t, s, store.TempPrefix+"1", "x", 0o644, cmtime1)
	cput(t, s, "d/"+store.TempPrefix+"2", "x", 0o644, cmtime1)
	n, err := s.CleanTemp(cctx)
	if err != nil || n != 2 {
		t.Errorf("CleanTemp = %d, %v; want 2", n, err)
	}
	if got, want := tree(t, s), "d/ d/"+store.TempPrefix+"dir/ keep"; got != want {
		t.Errorf("tree = %q, want %q", got, want)
	}
	if n, err := s.CleanTemp(cctx); n != 0 || err != nil {
		t.Errorf("CleanTemp again = %d, %v", n, err)
	}
}

func testInvalidPaths(t *testing.T, s store.Store) {
	for _, rel := range []string{"/abs", ".", "..", "../x", "a/../b", "a//b", "a/", "a\x00b"} {
		_, err := s.Stat(cctx, rel)
		wantErr(t, fmt.Sprintf("Stat(%q)", rel), err, store.ErrInvalidPath)
		_, _, err = s.Open(cctx, rel)
		wantErr(t, fmt.Sprintf("Open(%q)", rel), err, store.ErrInvalidPath)
		wantErr(t, fmt.Sprintf("Put(%q)", rel), s.Put(cctx, rel, strings.NewReader(""), 0o644, cmtime1), store.ErrInvalidPath)
		wantErr(t, fmt.Sprintf("Mkdir(%q)", rel), s.Mkdir(cctx, rel, 0o755), store.ErrInvalidPath)
		wantErr(t, fmt.Sprintf("Remove(%q)", rel), s.Remove(cctx, rel), store.ErrInvalidPath)
		wantErr(t, fmt.Sprintf("Symlink(%q)", rel), s.Symlink(cctx, "x", rel), store.ErrInvalidPath)
		wantErr(t, fmt.Sprintf("SetTimes(%q)", rel), s.SetTimes(cctx, rel, cmtime1), store.ErrInvalidPath)
		wantErr(t, fmt.Sprintf("Walk(%q)", rel), s.Walk(cctx, rel, func(store.Info) error { return nil }), store.ErrInvalidPath)
	}
	if got := tree(t, s); got != "" {
		t.Errorf("tree = %q", got)
	}
}

func testConcurrentPuts(t *testing.T, s store.Store) {
	big := func(c byte) string { return strings.Repeat(string(c), 256<<10) }
	var wg sync.WaitGroup
	for _, c := range []byte("abcd") {
		wg.Go(func() {
			if err := s.Put(cctx, "f", strings.NewReader(big(c)), 0o644, cmtime1); err != nil {
				t.Errorf("Put(%c): %v", c, err)
			}
		})
	}
	wg.Wait()
	got, _ := cread(t, s, "f")
	if len(got) != 256<<10 || strings.Count(got, got[:1]) != len(got) {
		t.Errorf("concurrent puts left a mix (%d bytes)", len(got))
	}
	if tr := tree(t, s); tr != "f" {
		t.Errorf("tree = %q", tr)
	}
}

func testFolder(t *testing.T, s store.Store) {
	cmkdir(t, s, "d")
	cput(t, s, "d/a", "A", 0o644, cmtime1)
	s.Symlink(cctx, "a", "d/l")
	f, err := store.OpenFolder(cctx, s, "d")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, info, err := f.Open(cctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "A" || info.Path != "d/a" {
		t.Errorf("folder Open(a) = %q, %+v", b, info)
	}
	_, _, err = f.Open(cctx, "l")
	wantErr(t, "folder Open(symlink)", err, store.ErrNotRegular)
	_, _, err = f.Open(cctx, "missing")
	wantErr(t, "folder Open(missing)", err, fs.ErrNotExist)
}

// testCase: a store whose server folds case says so, and finds a name by
// another spelling; one that does not keeps both names apart.
// testListNames: the names-only listing (store.ListNames, whichever way the
// store gives it) has exactly the names a Walk finds directly in the folder,
// and a Walk's errors.
func testListNames(t *testing.T, s store.Store) {
	cmkdir(t, s, "d", "d/sub", "d/sub/deep")
	cput(t, s, "d/a", "A", 0o644, cmtime1)
	cput(t, s, "d/B", "B", 0o644, cmtime1)
	cput(t, s, "d/sub/x", "X", 0o644, cmtime1)
	cput(t, s, "top", "T", 0o644, cmtime1)
	s.Symlink(cctx, "a", "d/l")
	for _, dir := range []string{"", "d", "d/sub", "d/sub/deep"} {
		var walked []string
		err := s.Walk(cctx, dir, func(i store.Info) error {
			walked = append(walked, path.Base(i.Path))
			if i.Kind == store.KindDir {
				return fs.SkipDir
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%q): %v", dir, err)
		}
		got, err := store.ListNames(cctx, s, dir)
		if err != nil {
			t.Fatalf("ListNames(%q): %v", dir, err)
		}
		slices.Sort(got)
		slices.Sort(walked)
		if !slices.Equal(got, walked) {
			t.Errorf("ListNames(%q) = %q, a Walk finds %q", dir, got, walked)
		}
	}
	_, err := store.ListNames(cctx, s, "missing")
	wantErr(t, "ListNames(missing)", err, fs.ErrNotExist)
	_, err = store.ListNames(cctx, s, "top")
	wantErr(t, "ListNames(a file)", err, fs.ErrNotExist)
}

func testCase(t *testing.T, s store.Store) {
	cput(t, s, "Desktop.ini", "x", 0o644, cmtime1)
	_, err := s.Stat(cctx, "DESKTOP.INI")
	folds := store.LimitsOf(s) != nil && store.LimitsOf(s).FoldsCase()
	if folds && err != nil {
		t.Errorf("a store that folds case does not find DESKTOP.INI: %v", err)
	}
	if !folds && !errors.Is(err, fs.ErrNotExist) {
		t.Skipf("the directory's filesystem folds case (%v) but the store does not say so", err)
	}
	if folds {
		cput(t, s, "DESKTOP.INI", "y", 0o644, cmtime1)
		if got := tree(t, s); !strings.EqualFold(got, "desktop.ini") {
			t.Errorf("tree = %q: one entry expected", got)
		}
	}
}
