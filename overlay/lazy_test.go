package overlay

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// fakeMaterializer keeps folders not yet materialized, each with the files
// its materialization creates ("name" or "sub/" for a marked subfolder).
type fakeMaterializer struct {
	mu     sync.Mutex
	dir    string
	marked map[string][]string
	calls  []string
	fail   error
}

func (f *fakeMaterializer) Materialize(rel string, subtree bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := rel
	if subtree {
		c += "/**"
	}
	f.calls = append(f.calls, c)
	if f.fail != nil {
		return f.fail
	}
	var ds []string
	for d := range f.marked {
		above := d == rel || strings.HasPrefix(rel, d+"/")
		below := subtree && (rel == "" || strings.HasPrefix(d, rel+"/"))
		if above || below {
			ds = append(ds, d)
		}
	}
	sort.Strings(ds) // parents first
	for _, d := range ds {
		for _, e := range f.marked[d] {
			p := filepath.Join(f.dir, d, strings.TrimSuffix(e, "/"))
			var err error
			if strings.HasSuffix(e, "/") {
				err = os.Mkdir(p, 0o755)
			} else {
				err = os.WriteFile(p, []byte("placeholder of "+path.Join(d, e)), 0o644)
			}
			if err != nil {
				return err
			}
		}
		delete(f.marked, d)
	}
	return nil
}

func lazyProfile(t *testing.T) (*Profile, *fakeMaterializer, string) {
	p, _, dir := newTestProfile(t)
	for _, d := range []string{"Docs", "Docs/Sub", "Desk", "Gone"} {
		must(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	m := &fakeMaterializer{dir: dir, marked: map[string][]string{
		"Docs": {"a.txt"}, "Docs/Sub": {"b.txt"}, "Desk": {"c.txt", "Deep/"}, "Gone": nil,
	}}
	p.SetMaterializer(m)
	return p, m, dir
}

// TestLazyLookupAndReaddir: a lookup below a folder not yet materialized,
// and the listing of one, materialize it first; a lookup of the folder
// itself does not.
func TestLazyLookupAndReaddir(t *testing.T) {
	p, m, _ := lazyProfile(t)
	if _, err := p.Lstat("Docs"); err != nil {
		t.Fatal(err)
	}
	if len(m.marked) != 4 {
		t.Errorf("a lookup of the folder itself materialized it: %v", m.calls)
	}
	if st, err := p.Lstat("Docs/Sub/b.txt"); err != nil || st.Size != int64(len("placeholder of Docs/Sub/b.txt")) {
		t.Fatalf("lookup below: %v", err)
	}
	if _, ok := m.marked["Docs"]; ok {
		t.Error("Docs not materialized by a lookup below it")
	}
	f, err := p.OpenDirFile("Desk")
	if err != nil {
		t.Fatal(err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	sort.Strings(names)
	if err != nil || strings.Join(names, ",") != "Deep,c.txt" {
		t.Errorf("readdir Desk = %v, %v", names, err)
	}
	if h, err := p.Open("Desk/c.txt", os.O_RDONLY); err != nil {
		t.Error(err)
	} else {
		h.Release("")
	}
}

// TestLazyRemoveAndRename: rmdir of a folder not yet materialized sees what
// it holds; a rename materializes the whole tree it moves; a folder empty on
// the server too goes.
func TestLazyRemoveAndRename(t *testing.T) {
	p, m, dir := lazyProfile(t)
	if err := p.Rmdir("Docs"); !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
		t.Errorf("rmdir of a folder with contents on the server: %v", err)
	}
	must(t, p.Rmdir("Gone"))
	must(t, p.Rename("Desk", "Moved", 0))
	if _, ok := m.marked["Desk"]; ok || len(m.marked) != 1 {
		t.Errorf("marked after a rename of Desk: %v, want only Docs/Sub", m.marked)
	}
	if _, err := os.Stat(filepath.Join(dir, "Moved", "c.txt")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Moved", "Deep")); err != nil {
		t.Error(err)
	}
	want := "Desk/**"
	found := false
	for _, c := range m.calls {
		found = found || c == want
	}
	if !found {
		t.Errorf("calls %v, want one for %s", m.calls, want)
	}
}

// TestLazyFailureIsEIO: a folder that cannot be materialized fails the
// operation with EIO, not ENOENT: the file may well exist.
func TestLazyFailureIsEIO(t *testing.T) {
	p, m, _ := lazyProfile(t)
	m.fail = errors.New("namespace damaged")
	if _, err := p.Lstat("Docs/a.txt"); !errors.Is(err, syscall.EIO) {
		t.Errorf("lookup: %v, want EIO", err)
	}
	if _, err := p.OpenDirFile("Docs"); !errors.Is(err, syscall.EIO) {
		t.Errorf("readdir: %v, want EIO", err)
	}
	if _, err := p.Mkdir("Docs/new", 0o755, nil); !errors.Is(err, syscall.EIO) {
		t.Errorf("mkdir: %v, want EIO", err)
	}
}
