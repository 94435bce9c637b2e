//go:build linux

package fstest

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"roamfs/journal"
)

var metaCases = []testCase{
	{"Chmod", testChmod},
	{"Utimes", testUtimes},
	{"Statfs", testStatfs},
	{"Xattr", needs(capXattr, testXattr, testXattrUnsupported)},
}

func testChmod(t *testing.T, e *env) {
	e.write(t, "f", []byte("x"))
	e.mkdir(t, "d")
	for rel, mode := range map[string]os.FileMode{"f": 0o640, "d": 0o700} {
		if err := os.Chmod(e.path(rel), mode); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(e.path(rel))
		if err != nil || fi.Mode().Perm() != mode {
			t.Fatalf("%s: mode %v after chmod %v: %v", rel, fi.Mode(), mode, err)
		}
		st, err := e.p.Lstat(rel)
		if err != nil || os.FileMode(st.Mode&0o777) != mode {
			t.Fatalf("%s: profile mode %o after chmod %v: %v", rel, st.Mode, mode, err)
		}
		e.record(t, journal.OpSetattr, rel, "")
	}
	// Through an open file: fchmod(2).
	f, err := os.Open(e.path("f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Chmod(0o604); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(e.path("f")); err != nil || fi.Mode().Perm() != 0o604 {
		t.Fatalf("mode after fchmod: %v, %v", fi.Mode(), err)
	}
}

func testUtimes(t *testing.T, e *env) {
	e.write(t, "f", []byte("x"))
	atime := time.Date(2020, 1, 2, 3, 4, 5, 600000000, time.UTC)
	mtime := time.Date(2021, 3, 4, 5, 6, 7, 123456789, time.UTC)
	if err := os.Chtimes(e.path("f"), atime, mtime); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(e.path("f"))
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(mtime) {
		t.Fatalf("mtime %v, want exactly %v", fi.ModTime(), mtime)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if got := time.Unix(st.Atim.Unix()); !got.Equal(atime) {
		t.Fatalf("atime %v, want %v", got, atime)
	}
	pst, err := e.p.Lstat("f")
	if err != nil || !time.Unix(pst.Mtim.Unix()).Equal(mtime) {
		t.Fatalf("profile mtime %v, want %v: %v", time.Unix(pst.Mtim.Unix()), mtime, err)
	}
	e.record(t, journal.OpSetattr, "f", "")

	// Only the mtime (atime UTIME_OMIT), as `touch -m -d` does.
	mtime2 := mtime.Add(time.Hour + 1)
	if err := os.Chtimes(e.path("f"), time.Time{}, mtime2); err != nil {
		t.Fatal(err)
	}
	fi, err = os.Stat(e.path("f"))
	if err != nil || !fi.ModTime().Equal(mtime2) {
		t.Fatalf("mtime %v, want %v: %v", fi.ModTime(), mtime2, err)
	}
	if got := time.Unix(fi.Sys().(*syscall.Stat_t).Atim.Unix()); !got.Equal(atime) {
		t.Fatalf("atime %v changed by setting only the mtime, want %v", got, atime)
	}

	// Directories too.
	e.mkdir(t, "d")
	if err := os.Chtimes(e.path("d"), atime, mtime); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(e.path("d")); err != nil || !fi.ModTime().Equal(mtime) {
		t.Fatalf("directory mtime %v, want %v: %v", fi.ModTime(), mtime, err)
	}
}

func testStatfs(t *testing.T, e *env) {
	var m, c unix.Statfs_t
	if err := unix.Statfs(e.mnt, &m); err != nil {
		t.Fatal(err)
	}
	if err := unix.Statfs(e.p.Root(), &c); err != nil {
		t.Fatal(err)
	}
	if m.Blocks == 0 || m.Bsize == 0 || m.Namelen == 0 {
		t.Fatalf("statfs of the mount: %+v", m)
	}
	if m.Blocks != c.Blocks || m.Bsize != c.Bsize || m.Files != c.Files || m.Namelen != c.Namelen {
		t.Fatalf("statfs of the mount: blocks %d bsize %d files %d namelen %d; of the cache: %d %d %d %d",
			m.Blocks, m.Bsize, m.Files, m.Namelen, c.Blocks, c.Bsize, c.Files, c.Namelen)
	}
}

func testXattr(t *testing.T, e *env) {
	probe := t.TempDir() + "/probe" // same file system as the cache
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(probe, "user.probe", []byte("1"), 0); err != nil {
		t.Skipf("the cache's file system has no user xattrs: %v", err)
	}

	e.write(t, "f", []byte("x"))
	name := e.path("f")
	const attr = "user.roamfs.test"
	val := []byte("value\x00with a NUL and more")
	if err := unix.Setxattr(name, attr, val, 0); err != nil {
		t.Fatal(err)
	}
	e.record(t, journal.OpSetattr, "f", "")
	if err := unix.Setxattr(name, attr, []byte("again"), unix.XATTR_CREATE); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("XATTR_CREATE of an existing attribute: %v, want EEXIST", err)
	}
	if err := unix.Setxattr(name, "user.other", []byte("o"), 0); err != nil {
		t.Fatal(err)
	}
	// Size probe, then the value.
	n, err := unix.Getxattr(name, attr, nil)
	if err != nil || n != len(val) {
		t.Fatalf("getxattr size: %d, %v, want %d", n, err, len(val))
	}
	buf := make([]byte, n)
	if n, err = unix.Getxattr(name, attr, buf); err != nil || !bytes.Equal(buf[:n], val) {
		t.Fatalf("getxattr: %q, %v, want %q", buf[:n], err, val)
	}
	if _, err := unix.Getxattr(name, attr, make([]byte, 2)); !errors.Is(err, unix.ERANGE) {
		t.Fatalf("getxattr into a short buffer: %v, want ERANGE", err)
	}
	if got := listXattr(t, name); !slices.Contains(got, attr) || !slices.Contains(got, "user.other") {
		t.Fatalf("listxattr: %q", got)
	}
	if err := unix.Removexattr(name, attr); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Getxattr(name, attr, nil); !errors.Is(err, unix.ENODATA) {
		t.Fatalf("getxattr after removexattr: %v, want ENODATA", err)
	}
	if got := listXattr(t, name); slices.Contains(got, attr) {
		t.Fatalf("listxattr after removexattr: %q", got)
	}
	if err := unix.Removexattr(name, attr); !errors.Is(err, unix.ENODATA) {
		t.Fatalf("second removexattr: %v, want ENODATA", err)
	}
	// The attribute lives in the cache, on the profile's file.
	if _, err := e.p.Getxattr("f", "user.other", nil); err != nil {
		t.Fatalf("profile getxattr: %v", err)
	}
}

// A target without xattrs says so with ENOTSUP on every call, changes
// nothing and journals nothing.
func testXattrUnsupported(t *testing.T, e *env) {
	e.write(t, "f", []byte("x"))
	name := e.path("f")
	notSup := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, unix.ENOTSUP) {
			t.Errorf("%s: %v, want ENOTSUP", what, err)
		}
	}
	notSup("setxattr", unix.Setxattr(name, "user.roamfs.test", []byte("v"), 0))
	_, err := unix.Getxattr(name, "user.roamfs.test", nil)
	notSup("getxattr", err)
	_, err = unix.Listxattr(name, nil)
	notSup("listxattr", err)
	notSup("removexattr", unix.Removexattr(name, "user.roamfs.test"))
	for _, r := range e.j.records(t) {
		if r.Op == journal.OpSetattr {
			t.Errorf("an unsupported xattr call was journaled: %s %s", r.Op, r.Path)
		}
	}
}

func listXattr(t *testing.T, name string) []string {
	t.Helper()
	n, err := unix.Listxattr(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, n)
	if n, err = unix.Listxattr(name, buf); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range strings.Split(string(buf[:n]), "\x00") {
		if s != "" {
			names = append(names, s)
		}
	}
	return names
}
