//go:build linux && fuse3 && cgo

package cgofuse

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/winfsp/cgofuse/fuse"
	"golang.org/x/sys/unix"
)

func TestErrc(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{unix.ENOENT, -fuse.ENOENT},
		{fmt.Errorf("journal create a: %w", unix.ENOSPC), -fuse.ENOSPC},
		{&fs.PathError{Op: "open", Path: "x", Err: unix.ENOTEMPTY}, -fuse.ENOTEMPTY},
		{fs.ErrNotExist, -fuse.ENOENT},
		{fmt.Errorf("x: %w", errors.ErrUnsupported), -fuse.ENOSYS},
		{errors.New("no errno"), -fuse.EIO},
	} {
		if got := errc(c.err); got != c.want {
			t.Errorf("errc(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestRel(t *testing.T) {
	for in, want := range map[string]string{"/": "", "/a": "a", "/Documents/a.txt": "Documents/a.txt"} {
		if got := rel(in); got != want {
			t.Errorf("rel(%q) = %q, want %q", in, got, want)
		}
	}
}

// Only libfuse's own rename of an open file is taken for hiding.
func TestHides(t *testing.T) {
	f := newFileSystem(nil)
	f.addFile(nil, "/d/open")
	f.addFile(nil, "/top")
	for _, c := range []struct {
		old, new string
		flags    uint32
		want     bool
	}{
		{"/d/open", "/d/.fuse_hidden0000000200000001", 0, true},
		{"/top", "/.fuse_hidden000000020000000a", 0, true},
		{"/d/open", "/.fuse_hidden0000000200000001", 0, false},     // another directory
		{"/d/closed", "/d/.fuse_hidden0000000200000001", 0, false}, // not open
		{"/d/open", "/d/.fuse_hidden00000002", 0, false},           // not libfuse's pattern
		{"/d/open", "/d/.fuse_hiddenXYZ0000200000001", 0, false},
		{"/d/open", "/d/.fuse_hidden0000000200000001", unix.RENAME_NOREPLACE, false},
		{"/d/open", "/d/renamed", 0, false},
	} {
		if got := f.hides(c.old, c.new, c.flags); got != c.want {
			t.Errorf("hides(%q, %q, %d) = %v, want %v", c.old, c.new, c.flags, got, c.want)
		}
	}
}

func TestMoved(t *testing.T) {
	f := newFileSystem(nil)
	a := f.addFile(nil, "/a/x")
	b := f.addFile(nil, "/ab")
	c := f.addFile(nil, "/a")
	f.moved("/a", "/z")
	for fh, want := range map[uint64]string{a: "/z/x", b: "/ab", c: "/z"} {
		if got := f.files[fh].path; got != want {
			t.Errorf("after rename /a -> /z: %q, want %q", got, want)
		}
	}
}

func TestUtime(t *testing.T) {
	if utime(fuse.Timespec{Nsec: fuse.UTIME_OMIT}) != nil {
		t.Error("UTIME_OMIT must leave the time alone")
	}
	if now := utime(fuse.Timespec{Nsec: fuse.UTIME_NOW}); now == nil || time.Since(*now) > time.Minute {
		t.Errorf("UTIME_NOW: %v", now)
	}
	want := time.Unix(1600000000, 123456789)
	if got := utime(fuse.NewTimespec(want)); got == nil || !got.Equal(want) {
		t.Errorf("utime: %v, want %v", got, want)
	}
}

func TestMountArgs(t *testing.T) {
	got := fmt.Sprint(mountArgs(Options{FsName: `/var/cache/roamfs/a,b\c`, Debug: true}))
	want := `[-o subtype=roamfs,allow_other,default_permissions,fsname=/var/cache/roamfs/a\,b\\c -d]`
	if got != want {
		t.Errorf("mountArgs = %s, want %s", got, want)
	}
}

// A mount that cannot happen is reported, not waited for.
func TestMountFailure(t *testing.T) {
	_, err := Mount(t.TempDir()+"/missing", nil, Options{Timeout: 5 * time.Second})
	if err == nil {
		t.Fatal("mount on a missing directory succeeded")
	}
	t.Log(err)
}
