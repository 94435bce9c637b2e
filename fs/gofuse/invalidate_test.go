package gofuse

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"roamfs/fs/fstest"
)

// TestInvalidatePath: the kernel caches entries, attributes and negative
// lookups for an hour, so a change the daemon makes in the cache behind the
// mount stays unseen until InvalidatePath; after it, the mount shows the
// cache as it is.
func TestInvalidatePath(t *testing.T) {
	p := fstest.NewProfile(t)
	mnt := t.TempDir()
	srv, err := Mount(mnt, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fstest.Unmount(t, mnt, p, srv.Unmount)
	through := func(rel string) string { return filepath.Join(mnt, rel) }
	behind := func(rel string) string { return filepath.Join(p.Root(), rel) }
	lstat := func(rel string) (unix.Stat_t, error) {
		var st unix.Stat_t
		return st, unix.Lstat(through(rel), &st)
	}

	if err := os.MkdirAll(through("dir/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(through("dir/sub/f"), []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, err := lstat("dir/sub/f"); err != nil || st.Size != 2 {
		t.Fatalf("lstat before: size %d, %v", st.Size, err)
	}
	if _, err := lstat("dir/sub/new"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("lstat of a new name before: %v, want ENOENT", err)
	}

	// The daemon changes the cache: new content and mode in place, a new
	// file where the kernel saw none.
	if err := os.WriteFile(behind("dir/sub/f"), []byte("version two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(behind("dir/sub/f"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(behind("dir/sub/new"), []byte("filled"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Unseen until invalidated: this is the kernel's cache at work.
	if st, err := lstat("dir/sub/f"); err != nil || st.Size != 2 {
		t.Fatalf("lstat right after the change behind the mount: size %d, %v; want the cached size 2", st.Size, err)
	}
	if _, err := lstat("dir/sub/new"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("lstat of the new name right after it was made behind the mount: %v; want the cached ENOENT", err)
	}

	for _, rel := range []string{"dir/sub/f", "dir/sub/new", "/dir//sub/../sub/f"} {
		if err := srv.InvalidatePath(rel); err != nil {
			t.Fatalf("InvalidatePath(%q): %v", rel, err)
		}
	}
	if st, err := lstat("dir/sub/f"); err != nil || st.Size != 11 || st.Mode&0o777 != 0o600 {
		t.Fatalf("lstat after InvalidatePath: size %d mode %o, %v; want 11, 0600", st.Size, st.Mode&0o777, err)
	}
	if got, err := os.ReadFile(through("dir/sub/f")); err != nil || string(got) != "version two" {
		t.Fatalf("content after InvalidatePath: %q, %v", got, err)
	}
	if got, err := os.ReadFile(through("dir/sub/new")); err != nil || string(got) != "filled" {
		t.Fatalf("new file after InvalidatePath: %q, %v", got, err)
	}

	// Replaced by another inode, then removed, behind the mount.
	if err := os.WriteFile(behind("dir/sub/f.tmp"), []byte("third"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(behind("dir/sub/f.tmp"), behind("dir/sub/f")); err != nil {
		t.Fatal(err)
	}
	if err := srv.InvalidatePath("dir/sub/f"); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(through("dir/sub/f")); err != nil || string(got) != "third" {
		t.Fatalf("replaced file after InvalidatePath: %q, %v", got, err)
	}
	if err := os.Remove(behind("dir/sub/new")); err != nil {
		t.Fatal(err)
	}
	if err := srv.InvalidatePath("dir/sub/new"); err != nil {
		t.Fatal(err)
	}
	if _, err := lstat("dir/sub/new"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("lstat of a file removed behind the mount, after InvalidatePath: %v, want ENOENT", err)
	}

	// A capability set behind the mount after the front end learned "none".
	buf := make([]byte, 64)
	if _, err := unix.Getxattr(through("dir/sub/f"), capabilityXattr, buf); !errors.Is(err, unix.ENODATA) {
		t.Fatalf("getxattr %s: %v, want ENODATA", capabilityXattr, err)
	}
	v := make([]byte, 20)
	binary.LittleEndian.PutUint32(v[0:], 0x02000000|1)
	binary.LittleEndian.PutUint32(v[4:], 1<<unix.CAP_NET_BIND_SERVICE)
	if err := unix.Setxattr(behind("dir/sub/f"), capabilityXattr, v, 0); err != nil {
		t.Fatal(err)
	}
	if err := srv.InvalidatePath("dir/sub/f"); err != nil {
		t.Fatal(err)
	}
	if n, err := unix.Getxattr(through("dir/sub/f"), capabilityXattr, buf); err != nil || n != len(v) {
		t.Fatalf("getxattr %s after it was set behind the mount and invalidated: %d bytes, %v", capabilityXattr, n, err)
	}

	// Paths the kernel never looked up, and the root, are no error.
	for _, rel := range []string{"", "no/such/dir/x", "dir/none"} {
		if err := srv.InvalidatePath(rel); err != nil {
			t.Errorf("InvalidatePath(%q): %v", rel, err)
		}
	}
}

// TestCapCacheRace: a "none" read before a set of the attribute is never
// remembered after it.
func TestCapCacheRace(t *testing.T) {
	var c capCache
	known, gen := c.absent()
	if known {
		t.Fatal("a new node knows it has no capability")
	}
	c.forget() // a Setxattr starts
	c.learnAbsent(gen)
	if known, _ := c.absent(); known {
		t.Fatal("a none read before the set was remembered")
	}
	_, gen = c.absent()
	c.learnAbsent(gen)
	if known, _ := c.absent(); !known {
		t.Fatal("a none read with no set in between was not remembered")
	}
	c.forget()
	if known, _ := c.absent(); known {
		t.Fatal("forget kept the none")
	}
}
