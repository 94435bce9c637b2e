//go:build linux

package fstest

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A front end may let the kernel cache entries and attributes for long
// (go-fuse: an hour), since roamfs is the only writer of its cache while it is
// mounted. These cases check that every operation through the mount leaves
// the kernel's view equal to the cache: sizes and times after writes the
// daemon never sees (passthrough), link counts after link, unlink and rename
// over, ctime after chmod and xattr changes, directories' link counts and
// times after entries come and go.
var cacheCases = []testCase{
	{"KernelViewFileOps", testKernelViewFileOps},
	{"KernelViewEntryOps", testKernelViewEntryOps},
	{"KernelViewMmapWrite", testKernelViewMmapWrite},
}

// sameAsCache checks that stat through the mount equals lstat of the cache
// for each rel, in the fields the kernel caches (atime aside: reads served by
// the kernel from the cache file do not tell the daemon).
func (e *env) sameAsCache(t *testing.T, when string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		var m unix.Stat_t
		if err := unix.Lstat(e.path(rel), &m); err != nil {
			t.Fatalf("%s: lstat %q through the mount: %v", when, rel, err)
		}
		c, err := e.p.Lstat(rel)
		if err != nil {
			t.Fatalf("%s: lstat %q in the cache: %v", when, rel, err)
		}
		got := fmt.Sprintf("mode=%o nlink=%d uid=%d gid=%d size=%d mtime=%d.%09d ctime=%d.%09d",
			m.Mode, m.Nlink, m.Uid, m.Gid, m.Size, m.Mtim.Sec, m.Mtim.Nsec, m.Ctim.Sec, m.Ctim.Nsec)
		want := fmt.Sprintf("mode=%o nlink=%d uid=%d gid=%d size=%d mtime=%d.%09d ctime=%d.%09d",
			c.Mode, c.Nlink, c.Uid, c.Gid, c.Size, c.Mtim.Sec, c.Mtim.Nsec, c.Ctim.Sec, c.Ctim.Nsec)
		if got != want {
			t.Errorf("%s: %q through the mount\n\t%s\nin the cache\n\t%s", when, rel, got, want)
		}
	}
}

// tick lets the clock move past the file system's timestamp granularity, so
// that an operation's new ctime or mtime differs from the one before.
func tick() { time.Sleep(20 * time.Millisecond) }

func testKernelViewFileOps(t *testing.T, e *env) {
	e.write(t, "f", []byte("first"))
	e.sameAsCache(t, "after create", "f", "")

	f, err := os.OpenFile(e.path("f"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tick()
	if _, err := f.Write(pattern(5000, 1)); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after a write, still open", "f")
	tick()
	if _, err := f.Write(pattern(3000, 2)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.size(t, "f", 8005)
	e.sameAsCache(t, "after a second write and close", "f")

	tick()
	if err := os.Chmod(e.path("f"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after chmod", "f")

	tick()
	if err := os.Truncate(e.path("f"), 100); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after truncate", "f")

	tick()
	if err := os.WriteFile(e.path("f"), []byte("rewritten"), 0); err != nil { // open(O_TRUNC)
		t.Fatal(err)
	}
	e.sameAsCache(t, "after open(O_TRUNC) and write", "f")

	g, err := os.OpenFile(e.path("f"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	tick()
	switch err := unix.Fallocate(int(g.Fd()), 0, 0, 1<<16); err {
	case nil:
		e.sameAsCache(t, "after fallocate", "f")
	case unix.EOPNOTSUPP: // cgofuse has no fallocate
	default:
		t.Fatal(err)
	}
	tick()
	if err := g.Truncate(10); err != nil { // ftruncate
		t.Fatal(err)
	}
	e.sameAsCache(t, "after ftruncate", "f")
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}

	tick()
	mtime := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(e.path("f"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after utimes", "f")

	if e.caps.Xattr {
		tick()
		if err := unix.Setxattr(e.path("f"), "user.k", []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		e.sameAsCache(t, "after setxattr", "f")
		tick()
		if err := unix.Removexattr(e.path("f"), "user.k"); err != nil {
			t.Fatal(err)
		}
		e.sameAsCache(t, "after removexattr", "f")
	}
}

func testKernelViewEntryOps(t *testing.T, e *env) {
	// A negative lookup first: the kernel may cache that the name is absent.
	if _, err := os.Lstat(e.path("d")); err == nil {
		t.Fatal("d exists before mkdir")
	}
	e.mkdir(t, "d")
	e.sameAsCache(t, "after mkdir", "d", "")
	e.write(t, "d/a", []byte("a"))
	e.sameAsCache(t, "after a create in d", "d", "d/a")

	tick()
	if err := os.Link(e.path("d/a"), e.path("b")); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after link", "d/a", "b", "d", "")

	tick()
	if err := os.Remove(e.path("b")); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after unlinking the link", "d/a", "")

	// Rename over a file that has another name: that name's link count drops.
	e.write(t, "victim", []byte("old"))
	if err := os.Link(e.path("victim"), e.path("victim2")); err != nil {
		t.Fatal(err)
	}
	tick()
	if err := os.Rename(e.path("d/a"), e.path("victim")); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after rename over", "victim", "victim2", "d", "")
	e.content(t, "victim", []byte("a"))

	// Rename of a directory: both parents' link counts and times.
	e.mkdir(t, "d/sub")
	e.mkdir(t, "other")
	tick()
	if err := os.Rename(e.path("d/sub"), e.path("other/sub")); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after moving a directory", "d", "other", "other/sub", "")

	tick()
	if err := os.Remove(e.path("other/sub")); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after rmdir", "other", "")
	if _, err := os.Lstat(e.path("other/sub")); err == nil {
		t.Fatal("other/sub still found after rmdir")
	}

	tick()
	if err := os.Symlink("victim", e.path("d/sym")); err != nil {
		t.Fatal(err)
	}
	e.sameAsCache(t, "after symlink", "d/sym", "d")

	// RENAME_EXCHANGE: each name now holds the other's inode.
	tick()
	if err := unix.Renameat2(unix.AT_FDCWD, e.path("victim"), unix.AT_FDCWD, e.path("d/sym"), unix.RENAME_EXCHANGE); err != nil {
		if err == syscall.ENOTSUP || err == syscall.EINVAL {
			return // the portable backend cannot exchange; its answer is checked elsewhere
		}
		t.Fatal(err)
	}
	e.sameAsCache(t, "after RENAME_EXCHANGE", "victim", "d/sym", "d", "")
}

// testKernelViewMmapWrite: a write through a shared mapping reaches the cache
// file without any request to the daemon; once the mapping is gone and the
// file released, stat shows the new mtime.
func testKernelViewMmapWrite(t *testing.T, e *env) {
	e.write(t, "m", pattern(8192, 3))
	e.sameAsCache(t, "after create", "m")
	f, err := os.OpenFile(e.path("m"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := unix.Mmap(int(f.Fd()), 0, 8192, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		t.Skipf("no shared writable mapping here: %v", err)
	}
	tick()
	copy(b, "mapped")
	if err := unix.Msync(b, unix.MS_SYNC); err != nil {
		t.Fatal(err)
	}
	if err := unix.Munmap(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// RELEASE reaches the daemon after close returned: wait for the view to
	// settle rather than for a fixed time.
	deadline := time.Now().Add(recordWait)
	for {
		var m unix.Stat_t
		c, err := e.p.Lstat("m")
		if err == nil && unix.Lstat(e.path("m"), &m) == nil && m.Mtim.Sec == c.Mtim.Sec && m.Mtim.Nsec == c.Mtim.Nsec {
			break
		}
		if time.Now().After(deadline) {
			e.sameAsCache(t, "after a write through a mapping", "m")
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := make([]byte, 6)
	if g, err := os.Open(e.path("m")); err == nil {
		g.Read(got)
		g.Close()
	}
	if string(got) != "mapped" {
		t.Fatalf("content after the mapped write: %q", got)
	}
}
