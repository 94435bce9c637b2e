//go:build linux && fuse3 && cgo

package cgofuse

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/winfsp/cgofuse/fuse"

	"roamfs/overlay"
)

// The Win32 codes os.Root returns on Windows, by number.
func TestWin32Errno(t *testing.T) {
	for code, want := range map[uint32]int{
		2:   fuse.ENOENT,    // ERROR_FILE_NOT_FOUND
		3:   fuse.ENOENT,    // ERROR_PATH_NOT_FOUND
		5:   fuse.EACCES,    // ERROR_ACCESS_DENIED
		32:  fuse.EBUSY,     // ERROR_SHARING_VIOLATION
		39:  fuse.ENOSPC,    // ERROR_HANDLE_DISK_FULL
		80:  fuse.EEXIST,    // ERROR_FILE_EXISTS
		112: fuse.ENOSPC,    // ERROR_DISK_FULL
		123: fuse.EINVAL,    // ERROR_INVALID_NAME
		145: fuse.ENOTEMPTY, // ERROR_DIR_NOT_EMPTY
		183: fuse.EEXIST,    // ERROR_ALREADY_EXISTS
		206: fuse.ENAMETOOLONG,
		267: fuse.ENOTDIR, // ERROR_DIRECTORY
	} {
		if got, ok := win32Errno(code); !ok || got != want {
			t.Errorf("win32Errno(%d) = %d, %v; want %d", code, got, ok, want)
		}
	}
	if _, ok := win32Errno(0x20000000 + 5); ok {
		t.Error("a code outside the table was mapped")
	}
	seen := map[uint32]bool{}
	for _, m := range win32Errnos {
		if seen[m.code] {
			t.Errorf("%s (%d) is in the table twice", m.name, m.code)
		}
		seen[m.code] = true
	}
}

// WinFsp's open flags are MSVCRT's: O_EXCL (0x400) must not become Go's
// O_APPEND (0x400 on Windows), and unknown bits are dropped there.
func TestTranslateFlags(t *testing.T) {
	msvcrt := flagNames{wronly: 1, rdwr: 2, accmode: 3, append: 0x8, creat: 0x100, excl: 0x400, trunc: 0x200}
	for _, c := range []struct {
		in, want int
	}{
		{0, os.O_RDONLY},
		{1 | 0x200, os.O_WRONLY | os.O_TRUNC},
		{2 | 0x100 | 0x400, os.O_RDWR | os.O_CREATE | os.O_EXCL},
		{1 | 0x8, os.O_WRONLY | os.O_APPEND},
		{2 | 0x10000, os.O_RDWR},
	} {
		if got := translateFlags(c.in, msvcrt, false); got != c.want {
			t.Errorf("MSVCRT flags %#x = %#x, want %#x", c.in, got, c.want)
		}
	}
	// libfuse's are Go's own; the others (O_SYNC) pass through.
	for _, fl := range []int{os.O_RDONLY, os.O_WRONLY | os.O_CREATE | os.O_TRUNC, os.O_RDWR | os.O_APPEND | os.O_SYNC, os.O_WRONLY | os.O_CREATE | os.O_EXCL} {
		if got := openFlags(fl); got != fl {
			t.Errorf("openFlags(%#x) = %#x on Linux, want it unchanged", fl, got)
		}
	}
}

// Getpath answers the stored spelling, as WinFsp asks it.
func TestGetpath(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "Desktop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Desktop", "Notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := overlay.New(dir, nil, nil, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	f := newFileSystem(p)
	if rc, got := f.Getpath("/desktop/NOTES.txt", noFh); rc != 0 || got != "/Desktop/Notes.txt" {
		t.Errorf("Getpath = %d, %q; want /Desktop/Notes.txt", rc, got)
	}
	if rc, got := f.Getpath("/", noFh); rc != 0 || got != "/" {
		t.Errorf("Getpath(/) = %d, %q", rc, got)
	}
	if rc, _ := f.Getpath("/desktop/missing", noFh); rc != -fuse.ENOENT {
		t.Errorf("Getpath of a missing file = %d, want -ENOENT", rc)
	}
}
