package storetest

import (
	"syscall"
	"testing"
	"time"

	"roamfs/store"
)

func TestFolderOpensLikeOpen(t *testing.T) {
	d, root := newDir(t)
	fixture(t, root, "a/", "a/b/", "a/b/f", "g")
	for _, c := range []struct{ dir, name, rel string }{{"a/b", "f", "a/b/f"}, {"", "g", "g"}} {
		f, err := store.OpenFolder(ctx, store.NewRetry(NewFaulty(d)), c.dir)
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
	f, err := store.OpenFolder(ctx, &store.Retry{Store: fy, Attempts: 2, Backoff: time.Millisecond}, "a")
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
