package overlay

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// What each operation journals, and when, through either backend.
func TestJournaledOps(t *testing.T) {
	p, j, _ := newTestProfile(t)

	h, st, err := p.Create("a.txt", os.O_RDWR, 0o644, nil)
	must(t, err)
	if st.Size != 0 {
		t.Fatalf("new file size %d", st.Size)
	}
	wantOps(t, j, "create a.txt 0")
	_, err = h.WriteAt([]byte("hello"), 0)
	must(t, err)
	must(t, h.Fsync("a.txt", false))
	wantOps(t, j, "write a.txt 5")
	must(t, h.Fsync("a.txt", true)) // nothing changed since
	must(t, h.Release("a.txt"))
	wantOps(t, j)

	h, err = p.Open("a.txt", os.O_WRONLY|os.O_TRUNC)
	must(t, err)
	wantOps(t, j, "truncate a.txt 0") // dirty before the open returns
	_, err = h.WriteAt([]byte("hi"), 0)
	must(t, err)
	must(t, h.Release("a.txt"))
	wantOps(t, j, "write a.txt 2")

	h, err = p.Open("a.txt", os.O_RDONLY)
	must(t, err)
	must(t, h.Release("a.txt"))
	wantOps(t, j) // a reader journals nothing

	dst, err := p.Mkdir("d", 0o755, nil)
	must(t, err)
	_, err = p.Link("a.txt", "d/b.txt")
	must(t, err)
	must(t, p.Rename("d/b.txt", "d/c.txt", 0))
	must(t, p.Unlink("d/c.txt"))
	must(t, p.Rmdir("d"))
	wantOps(t, j, fmt.Sprintf("mkdir d %d", dst.Size), "link d/b.txt 2", "rename d/c.txt<d/b.txt 2", "unlink d/c.txt 0", "rmdir d 0")

	mode, size := uint32(0o600), uint64(7)
	mtime := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	_, err = p.Setattr("a.txt", Attr{Mode: &mode})
	must(t, err)
	_, err = p.Setattr("a.txt", Attr{Size: &size})
	must(t, err)
	st, err = p.Setattr("a.txt", Attr{Mtime: &mtime})
	must(t, err)
	if sec, _ := st.Mtim.Unix(); sec != mtime.Unix() || st.Mode&0o777 != 0o600 || st.Size != 7 {
		t.Fatalf("after setattr: mode %o size %d mtime %d", st.Mode, st.Size, sec)
	}
	wantOps(t, j, "setattr a.txt 2", "truncate a.txt 7", "setattr a.txt 7")
}

// Changes below a nonroaming folder are served but never journaled; a rename
// out of one is (the file must now roam).
func TestNonroamingNotJournaled(t *testing.T) {
	p, j, dir := newTestProfile(t)
	put(t, dir, "AppData/Local/x", "x")
	h, _, err := p.Create("AppData/Local/y", os.O_WRONLY, 0o644, nil)
	must(t, err)
	must(t, h.Release("AppData/Local/y"))
	must(t, p.Unlink("AppData/Local/y"))
	wantOps(t, j)
	must(t, p.Rename("AppData/Local/x", "x", 0))
	wantOps(t, j, "rename x<AppData/Local/x 1")
}

// A rename is journaled before it is done: a journal that cannot take the
// record leaves the file where it was.
func TestRenameJournaledFirst(t *testing.T) {
	p, j, dir := newTestProfile(t)
	put(t, dir, "old", "data")
	j.fail = errDisk
	err := p.Rename("old", "new", 0)
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("rename with a failing journal: %v, want EIO", err)
	}
	if _, err := p.Lstat("old"); err != nil {
		t.Fatalf("the rename happened without its record: %v", err)
	}
}

// A journal failure is EIO, a full journal disk ENOSPC; creates are done
// before they are journaled, so the entry exists but the caller is told.
func TestJournalErrors(t *testing.T) {
	p, j, _ := newTestProfile(t)
	j.fail = syscall.ENOSPC
	if _, err := p.Mkdir("d", 0o755, nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("mkdir with a full journal: %v, want ENOSPC", err)
	}
	j.fail = errDisk
	if _, _, err := p.Create("f", os.O_WRONLY, 0o644, nil); !errors.Is(err, syscall.EIO) {
		t.Fatalf("create with a failing journal: %v, want EIO", err)
	}
	if _, err := p.Open("f", os.O_WRONLY); !errors.Is(err, syscall.EIO) {
		t.Fatalf("open for writing with a failing journal: %v, want EIO", err)
	}
	h, err := p.Open("f", os.O_RDONLY)
	if err != nil {
		t.Fatalf("open for reading needs no journal: %v", err)
	}
	must(t, h.Release("f"))
}

// A snapshot waits for the hive's writers and copies one whole version.
func TestSnapshotHive(t *testing.T) {
	p, _, dir := newTestProfile(t)
	put(t, dir, "NTUSER.DAT", "hive-1")
	h, err := p.Open("NTUSER.DAT", os.O_RDWR)
	must(t, err)
	if _, _, err := p.SnapshotHive("NTUSER.DAT", t.TempDir()+"/busy", 10*time.Millisecond); !errors.Is(err, ErrHiveBusy) {
		t.Fatalf("snapshot with a writer: %v, want ErrHiveBusy", err)
	}
	_, err = h.WriteAt([]byte("2"), 5)
	must(t, err)
	must(t, h.Release("NTUSER.DAT"))
	dst := t.TempDir() + "/copy"
	size, _, err := p.SnapshotHive("NTUSER.DAT", dst, time.Second)
	must(t, err)
	if b, err := os.ReadFile(dst); err != nil || string(b) != "hive-2" || size != 6 {
		t.Fatalf("snapshot: %q (%d), %v", b, size, err)
	}
}
