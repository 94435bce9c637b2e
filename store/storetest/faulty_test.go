package storetest

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"roamfs/store"
)

var errBoom = errors.New("boom: connection lost")

func TestFaultyFailAfter(t *testing.T) {
	d, root := newDir(t)
	f := NewFaulty(d)
	f.FailAfter(3, errBoom)

	// Reads do not count and succeed until the limit is reached.
	if _, err := f.Stat(ctx, ""); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"mkdir", func() error { return f.Mkdir(ctx, "a", 0o755) }},
		{"put", func() error { return f.Put(ctx, "a/f", strings.NewReader("x"), 0o644, mtime1) }},
		{"failed put", func() error { return f.Put(ctx, "missing/f", strings.NewReader("x"), 0o644, mtime1) }},
		{"symlink", func() error { return f.Symlink(ctx, "f", "a/l") }},
	}
	for _, s := range steps {
		if err := s.do(); (err != nil) != (s.name == "failed put") {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if f.Ops() != 3 {
		t.Errorf("Ops() = %d, want 3 (a failed operation does not count)", f.Ops())
	}

	// Everything fails now, reads included, and nothing reaches the store.
	errs := map[string]error{}
	errs[store.OpPut] = f.Put(ctx, "a/g", strings.NewReader("x"), 0o644, mtime1)
	errs[store.OpMkdir] = f.Mkdir(ctx, "b", 0o755)
	errs[store.OpSymlink] = f.Symlink(ctx, "x", "c")
	errs[store.OpRemove] = f.Remove(ctx, "a/f")
	errs[store.OpSetTimes] = f.SetTimes(ctx, "a/f", mtime2)
	_, errs[store.OpStat] = f.Stat(ctx, "a/f")
	_, _, errs[store.OpOpen] = f.Open(ctx, "a/f")
	errs[store.OpWalk] = f.Walk(ctx, "", func(store.Info) error { return nil })
	_, errs[store.OpCleanTemp] = f.CleanTemp(ctx)
	for op, err := range errs {
		if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), op) {
			t.Errorf("%s after the limit = %v, want boom naming the operation", op, err)
		}
	}
	if got := strings.Join(listTree(t, root), " "); got != "a a/f a/l" {
		t.Errorf("server after the fault = %q", got)
	}
	if f.Ops() != 3 {
		t.Errorf("Ops() = %d after the fault, want 3", f.Ops())
	}

	f.FailAfter(-1, nil)
	if err := f.Remove(ctx, "a/f"); err != nil {
		t.Errorf("Remove after FailAfter(-1) = %v", err)
	}
}

func TestFaultyFailOn(t *testing.T) {
	d, _ := newDir(t)
	f := NewFaulty(d)
	var seen []string
	f.FailOn(func(op, rel string) error {
		seen = append(seen, op+" "+rel)
		if op == store.OpPut && rel == "NTUSER.DAT" {
			return fs.ErrPermission
		}
		return nil
	})
	put(t, f, "other", "x")
	err := f.Put(ctx, "NTUSER.DAT", strings.NewReader("hive"), 0o600, mtime1)
	if !errors.Is(err, fs.ErrPermission) || !store.IsPermanent(err) {
		t.Errorf("targeted Put = %v, want ErrPermission", err)
	}
	if _, err := f.Stat(ctx, "NTUSER.DAT"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the failed Put reached the store: Stat = %v", err)
	}
	if f.Ops() != 1 {
		t.Errorf("Ops() = %d, want 1", f.Ops())
	}
	want := "put other|put NTUSER.DAT|stat NTUSER.DAT"
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("FailOn saw %q, want %q", got, want)
	}
}

// TestFaultyConcurrent: with many goroutines racing, exactly n mutations succeed.
func TestFaultyConcurrent(t *testing.T) {
	d, root := newDir(t)
	f := NewFaulty(d)
	const n = 7
	f.FailAfter(n, errBoom)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i := range 40 {
		wg.Go(func() {
			if err := f.Mkdir(ctx, fmt.Sprintf("d%02d", i), 0o755); err != nil {
				if !errors.Is(err, errBoom) {
					t.Error(err)
				}
				mu.Lock()
				failed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if f.Ops() != n || failed != 40-n || len(listTree(t, root)) != n {
		t.Errorf("Ops() = %d, failed %d, %d directories; want %d succeeded", f.Ops(), failed, len(listTree(t, root)), n)
	}
}
