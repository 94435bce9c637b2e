//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The swap tests replace an entry between its Lstat and its open, the window
// TestSwapRace hits only by luck, and check that the open notices.

func TestOpenChildDetectsSwap(t *testing.T) {
	d, root, outside := hostile(t)
	fixture(t, root, "a/", "b/", "b/f")
	dir, err := d.openDir("")
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	for _, target := range []string{"b", filepath.Join(outside, "dir"), "../../../.."} {
		stale, err := dir.Lstat("a")
		if err != nil {
			t.Fatal(err)
		}
		swap(t, root, "a", target)
		if sub, err := openChildAs(dir, "a", "a", stale); err == nil {
			sub.Close()
			t.Errorf("openChildAs followed a swapped-in symlink to %q", target)
		} else if target == "b" && !errors.Is(err, ErrChanged) {
			t.Errorf("openChildAs after a swap to %q = %v, want ErrChanged", target, err)
		}
		restore(t, root, "a")
	}
}

func TestOpenFileDetectsSwap(t *testing.T) {
	d, root, _ := hostile(t)
	fixture(t, root, "f", "g", "d/")
	dir, err := d.openDir("")
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	swaps := map[string]func(p string) error{
		"symlink inside": func(p string) error { return os.Symlink("g", p) },
		"other file":     func(p string) error { return os.WriteFile(p, []byte("other"), 0o644) },
		"directory":      func(p string) error { return os.Mkdir(p, 0o755) },
		// Without O_NONBLOCK the open of a FIFO would hang this test.
		"fifo": func(p string) error { return syscall.Mkfifo(p, 0o644) },
	}
	for name, replace := range swaps {
		stale, err := dir.Lstat("f")
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, "f")
		if err := os.Rename(p, p+".orig"); err != nil {
			t.Fatal(err)
		}
		if err := replace(p); err != nil {
			t.Fatal(err)
		}
		if f, _, err := openFileAs(dir, "f", stale); !errors.Is(err, ErrChanged) {
			if f != nil {
				f.Close()
			}
			t.Errorf("%s: openFileAs = %v, want ErrChanged", name, err)
		}
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".orig", p); err != nil {
			t.Fatal(err)
		}
	}
}

// swap moves root/name aside and puts a symlink to target in its place.
func swap(t *testing.T, root, name, target string) {
	t.Helper()
	p := filepath.Join(root, name)
	if err := os.Rename(p, p+".orig"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// restore undoes swap.
func restore(t *testing.T, root, name string) {
	t.Helper()
	p := filepath.Join(root, name)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p+".orig", p); err != nil {
		t.Fatal(err)
	}
}
