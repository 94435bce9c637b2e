//go:build linux

package fstest

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"roamfs/journal"
)

var dirCases = []testCase{
	{"MkdirRmdir", testMkdirRmdir},
	{"RenameFile", testRenameFile},
	{"RenameDir", testRenameDir},
	{"RenameOverExisting", testRenameOverExisting},
	{"HardLink", testHardLink},
	{"SymlinkReadlink", testSymlink},
	{"Readdir", testReaddir},
	{"ReaddirLarge", testReaddirLarge},
	{"DeepPaths", testDeepPaths},
}

func testMkdirRmdir(t *testing.T, e *env) {
	e.mkdir(t, "d")
	fi, err := os.Stat(e.path("d"))
	if err != nil || !fi.IsDir() {
		t.Fatalf("stat new directory: %v, %v", fi, err)
	}
	e.record(t, journal.OpMkdir, "d", "")
	e.mkdir(t, "d/sub")
	e.write(t, "d/sub/f", []byte("x"))
	if err := unix.Rmdir(e.path("d")); !errors.Is(err, unix.ENOTEMPTY) {
		t.Fatalf("rmdir of a non-empty directory: %v, want ENOTEMPTY", err)
	}
	if err := unix.Rmdir(e.path("d/sub/f")); !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("rmdir of a file: %v, want ENOTDIR", err)
	}
	if err := os.Remove(e.path("d/sub/f")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"d/sub", "d"} {
		if err := unix.Rmdir(e.path(d)); err != nil {
			t.Fatalf("rmdir %s: %v", d, err)
		}
		e.gone(t, d)
		e.record(t, journal.OpRmdir, d, "")
	}
}

func testRenameFile(t *testing.T, e *env) {
	e.write(t, "old", []byte("content"))
	e.mkdir(t, "dir")
	if err := os.Rename(e.path("old"), e.path("new")); err != nil {
		t.Fatal(err)
	}
	e.gone(t, "old")
	e.content(t, "new", []byte("content"))
	e.record(t, journal.OpRename, "new", "old")
	if err := os.Rename(e.path("new"), e.path("dir/moved")); err != nil {
		t.Fatal(err)
	}
	e.gone(t, "new")
	e.content(t, "dir/moved", []byte("content"))
	e.record(t, journal.OpRename, "dir/moved", "new")
}

func testRenameDir(t *testing.T, e *env) {
	e.mkdir(t, "a")
	e.mkdir(t, "a/b")
	e.write(t, "a/b/f", []byte("deep"))
	if err := os.Rename(e.path("a"), e.path("z")); err != nil {
		t.Fatal(err)
	}
	e.gone(t, "a")
	e.content(t, "z/b/f", []byte("deep"))
	e.record(t, journal.OpRename, "z", "a")
	// The renamed tree is fully usable under its new name.
	e.write(t, "z/b/g", []byte("more"))
	e.record(t, journal.OpCreate, "z/b/g", "")
	if err := os.Remove(e.path("z/b/f")); err != nil {
		t.Fatal(err)
	}
	e.record(t, journal.OpUnlink, "z/b/f", "")
}

func testRenameOverExisting(t *testing.T, e *env) {
	e.write(t, "src", []byte("new content"))
	e.write(t, "dst", []byte("old"))
	if err := os.Rename(e.path("src"), e.path("dst")); err != nil {
		t.Fatal(err)
	}
	e.gone(t, "src")
	e.content(t, "dst", []byte("new content"))
	e.size(t, "dst", 11)
	e.record(t, journal.OpRename, "dst", "src")

	e.mkdir(t, "full")
	e.write(t, "full/f", nil)
	e.mkdir(t, "empty")
	if err := os.Rename(e.path("empty"), e.path("full")); !errors.Is(err, unix.ENOTEMPTY) && !errors.Is(err, unix.EEXIST) {
		t.Fatalf("rename over a non-empty directory: %v, want ENOTEMPTY", err)
	}
}

func testHardLink(t *testing.T, e *env) {
	e.write(t, "orig", []byte("shared"))
	if err := os.Link(e.path("orig"), e.path("link")); err != nil {
		t.Fatal(err)
	}
	e.record(t, journal.OpLink, "link", "")
	a, err := os.Stat(e.path("orig"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.Stat(e.path("link"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range []os.FileInfo{a, b} {
		if n := fi.Sys().(*syscall.Stat_t).Nlink; n != 2 {
			t.Fatalf("%s: nlink %d, want 2", fi.Name(), n)
		}
	}
	if !os.SameFile(a, b) {
		t.Fatalf("hard links are not the same file: ino %d and %d", a.Sys().(*syscall.Stat_t).Ino, b.Sys().(*syscall.Stat_t).Ino)
	}
	e.content(t, "link", []byte("shared"))
	// A write through one name shows through the other.
	if err := os.WriteFile(e.path("link"), []byte("changed"), 0); err != nil {
		t.Fatal(err)
	}
	e.content(t, "orig", []byte("changed"))
	if err := os.Remove(e.path("orig")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(e.path("link"))
	if err != nil {
		t.Fatal(err)
	}
	if n := fi.Sys().(*syscall.Stat_t).Nlink; n != 1 {
		t.Fatalf("nlink after unlinking the other name: %d, want 1", n)
	}
}

func testSymlink(t *testing.T, e *env) {
	e.write(t, "target", []byte("t"))
	for name, target := range map[string]string{
		"rel":      "target",
		"dangling": "no/such/file",
		"abs":      "/etc/hostname",
	} {
		if err := os.Symlink(target, e.path(name)); err != nil {
			t.Fatal(err)
		}
		got, err := os.Readlink(e.path(name))
		if err != nil || got != target {
			t.Fatalf("readlink %s: %q, %v, want %q", name, got, err, target)
		}
		fi, err := os.Lstat(e.path(name))
		if err != nil || fi.Mode()&os.ModeSymlink == 0 || fi.Size() != int64(len(target)) {
			t.Fatalf("lstat %s: %v, %v", name, fi, err)
		}
		e.record(t, journal.OpSymlink, name, "")
	}
	e.content(t, "rel", []byte("t"))
	if _, err := os.Stat(e.path("dangling")); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("stat through a dangling symlink: %v, want ENOENT", err)
	}
	if _, err := os.Readlink(e.path("target")); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("readlink of a file: %v, want EINVAL", err)
	}
}

func testReaddir(t *testing.T, e *env) {
	e.write(t, "file", []byte("f"))
	e.mkdir(t, "dir")
	e.write(t, "dir/inner", nil)
	if err := os.Symlink("file", e.path("sym")); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(e.mnt)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{"file": 0, "dir": os.ModeDir, "sym": os.ModeSymlink}
	if got := names(ents); !slices.Equal(got, []string{"dir", "file", "sym"}) {
		t.Fatalf("listing %v, want [dir file sym]", got)
	}
	for _, d := range ents {
		if d.Type() != want[d.Name()] {
			t.Errorf("%s: type %v, want %v", d.Name(), d.Type(), want[d.Name()])
		}
		fi, err := d.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Type() != want[d.Name()] {
			t.Errorf("%s: lstat type %v, want %v", d.Name(), fi.Mode().Type(), want[d.Name()])
		}
	}
	// Getdents reports the inode numbers the files have.
	f, err := os.Open(e.mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inos := dirInos(t, int(f.Fd()))
	for name := range want {
		fi, err := os.Lstat(e.path(name))
		if err != nil {
			t.Fatal(err)
		}
		if ino := fi.Sys().(*syscall.Stat_t).Ino; inos[name] != ino {
			t.Errorf("%s: readdir ino %d, stat ino %d", name, inos[name], ino)
		}
	}
	if _, ok := inos["."]; !ok {
		t.Errorf("no \".\" entry: %v", inos)
	}
	sub, err := os.ReadDir(e.path("dir"))
	if err != nil || len(sub) != 1 || sub[0].Name() != "inner" {
		t.Fatalf("listing dir: %v, %v", names(sub), err)
	}
	if _, err := os.ReadDir(e.path("file")); !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("listing a file: %v, want ENOTDIR", err)
	}
}

// dirInos reads the raw directory entries of fd: name -> inode number.
func dirInos(t *testing.T, fd int) map[string]uint64 {
	t.Helper()
	inos := map[string]uint64{}
	buf := make([]byte, 8192)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return inos
		}
		for b := buf[:n]; len(b) > 0; {
			reclen := int(b[16]) | int(b[17])<<8
			ino := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
			name := b[19:reclen]
			if i := strings.IndexByte(string(name), 0); i >= 0 {
				name = name[:i]
			}
			inos[string(name)] = ino
			b = b[reclen:]
		}
	}
}

// A listing larger than one READDIR reply.
func testReaddirLarge(t *testing.T, e *env) {
	const n = 600
	var want []string
	for i := range n {
		name := fmt.Sprintf("entry-%04d-%s", i, strings.Repeat("n", 40))
		want = append(want, name)
		if err := os.WriteFile(e.path(name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := os.ReadDir(e.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ents); !slices.Equal(got, want) {
		t.Fatalf("listing has %d entries, want %d", len(got), n)
	}
}

// Nest directories until the path is longer than PATH_MAX: the overlay must
// still reach the bottom (it resolves in chunks relative to directory fds).
// The test walks down with directory fds too, as a program must.
func testDeepPaths(t *testing.T, e *env) {
	dirfd, err := unix.Open(e.mnt, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { unix.Close(dirfd) }()
	var rel []string
	for i := 0; len(path.Join(rel...)) <= unix.PathMax+100; i++ {
		name := fmt.Sprintf("level%02d-%s", i, strings.Repeat("d", 200))
		if err := unix.Mkdirat(dirfd, name, 0o755); err != nil {
			t.Fatalf("mkdir at depth %d (%d bytes): %v", i, len(path.Join(rel...)), err)
		}
		fd, err := unix.Openat(dirfd, name, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("open directory at depth %d: %v", i, err)
		}
		unix.Close(dirfd)
		dirfd = fd
		rel = append(rel, name)
	}
	dir := path.Join(rel...)
	file := dir + "/bottom.txt"

	fd, err := unix.Openat(dirfd, "bottom.txt", unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		t.Fatalf("create at %d bytes: %v", len(file), err)
	}
	if _, err := unix.Write(fd, []byte("deep")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Close(fd); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, "bottom.txt", &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Size != 4 {
		t.Fatalf("stat at %d bytes: size %d, %v", len(file), st.Size, err)
	}
	pst, err := e.p.Lstat(file)
	if err != nil || pst.Size != 4 {
		t.Fatalf("profile lstat at %d bytes: size %d, %v", len(file), pst.Size, err)
	}
	e.record(t, journal.OpCreate, file, "")
	e.recordSize(t, journal.OpWrite, file, 4)
	if err := unix.Renameat(dirfd, "bottom.txt", dirfd, "renamed.txt"); err != nil {
		t.Fatalf("rename at %d bytes: %v", len(file), err)
	}
	e.record(t, journal.OpRename, dir+"/renamed.txt", file)
	if err := unix.Unlinkat(dirfd, "renamed.txt", 0); err != nil {
		t.Fatalf("unlink at %d bytes: %v", len(file), err)
	}
	if err := unix.Fstatat(dirfd, "renamed.txt", &st, unix.AT_SYMLINK_NOFOLLOW); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("stat after unlink: %v, want ENOENT", err)
	}
	e.record(t, journal.OpUnlink, dir+"/renamed.txt", "")
}
