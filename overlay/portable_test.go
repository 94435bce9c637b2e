//go:build !linux || roamfs_portable

package overlay

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

// What the portable backend cannot do it says with ENOTSUP, which is also
// errors.ErrUnsupported, and journals nothing.
func TestPortableUnsupported(t *testing.T) {
	p, j, dir := newTestProfile(t)
	put(t, dir, "a", "x")
	put(t, dir, "b", "y")
	h, err := p.Open("a", os.O_RDWR)
	must(t, err)
	defer h.Release("a")
	j.reset()
	_, getErr := p.Getxattr("a", "user.x", nil)
	_, listErr := p.Listxattr("a", nil)
	_, seekErr := h.Seek(0, seekData+100)
	_, dirErr := p.OpenDir("")
	_, mknodErr := p.Mknod("fifo", 0o010644, 0, nil)
	for what, err := range map[string]error{
		"getxattr":        getErr,
		"listxattr":       listErr,
		"setxattr":        p.Setxattr("a", "user.x", []byte("v"), 0),
		"removexattr":     p.Removexattr("a", "user.x"),
		"rename exchange": p.Rename("a", "b", renameExchange),
		"fallocate mode":  h.Allocate("a", 0, 10, 1),
		"opendir fd":      dirErr,
		"mknod fifo":      mknodErr,
	} {
		if !errors.Is(err, syscall.ENOTSUP) || !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%s: %v, want ENOTSUP", what, err)
		}
	}
	if seekErr == nil {
		t.Error("seek with an unknown whence succeeded")
	}
	if h.Fd() != -1 {
		t.Errorf("Fd() = %d, want -1: no descriptor for passthrough", h.Fd())
	}
	wantOps(t, j)
}

// What it emulates: RENAME_NOREPLACE, SEEK_DATA/SEEK_HOLE without holes,
// fallocate's default mode, mknod of a regular file.
func TestPortableEmulated(t *testing.T) {
	p, j, dir := newTestProfile(t)
	put(t, dir, "a", "0123456789")
	put(t, dir, "b", "y")
	if err := p.Rename("a", "b", renameNoReplace); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("RENAME_NOREPLACE over a file: %v, want EEXIST", err)
	}
	must(t, p.Rename("a", "c", renameNoReplace))
	h, err := p.Open("c", os.O_RDWR)
	must(t, err)
	defer h.Release("c")
	for _, c := range []struct {
		off    int64
		whence int
		want   int64
		err    bool
	}{{3, seekData, 3, false}, {3, seekHole, 10, false}, {10, seekData, 0, true}, {-1, seekHole, 0, true}} {
		got, err := h.Seek(c.off, c.whence)
		if (err != nil) != c.err || !c.err && got != c.want {
			t.Errorf("Seek(%d, %d) = %d, %v", c.off, c.whence, got, err)
		}
	}
	must(t, h.Allocate("c", 8, 12, 0))
	if st, _ := h.Stat(); st.Size != 20 {
		t.Fatalf("size after fallocate to 20: %d", st.Size)
	}
	st, err := p.Mknod("plain", sIFREG|0o640, 0, nil)
	must(t, err)
	if st.Mode != sIFREG|0o640&^uint32(umask()) {
		t.Errorf("mknod mode %o", st.Mode)
	}
	wantOps(t, j, "rename c<a 10", "write c 10", "write c 20", "create plain 0")
}

func TestModeConversions(t *testing.T) {
	for _, c := range []struct {
		m    fs.FileMode
		want uint32
	}{
		{0o644, 0o100644},
		{fs.ModeDir | 0o755, 0o040755},
		{fs.ModeSymlink | 0o777, 0o120777},
		{fs.ModeNamedPipe | 0o600, 0o010600},
		{fs.ModeSocket | 0o600, 0o140600},
		{fs.ModeDevice | fs.ModeCharDevice | 0o666, 0o020666},
		{fs.ModeDevice | 0o660, 0o060660},
		{fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky | 0o755, 0o107755},
	} {
		if got := posixMode(c.m); got != c.want {
			t.Errorf("posixMode(%v) = %o, want %o", c.m, got, c.want)
		}
		if got := fileMode(c.want); got != c.m.Perm()|c.m&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) {
			t.Errorf("fileMode(%o) = %v", c.want, got)
		}
	}
}
