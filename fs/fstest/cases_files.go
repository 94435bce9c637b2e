//go:build linux

package fstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"roamfs/journal"
)

var fileCases = []testCase{
	{"CreateReadWriteSeek", testCreateReadWriteSeek},
	{"WritePastEOF", testWritePastEOF},
	{"TruncateGrowShrink", testTruncate},
	{"ExclusiveCreateExisting", testExclusiveCreate},
	{"OpenMissing", testOpenMissing},
	{"Unlink", testUnlink},
	{"UnlinkWhileOpen", testUnlinkWhileOpen},
	{"RenameWhileOpen", testRenameWhileOpen},
	{"Fsync", testFsync},
	{"ConcurrentFiles", testConcurrentFiles},
}

func testCreateReadWriteSeek(t *testing.T, e *env) {
	f, err := os.OpenFile(e.path("a.txt"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e.record(t, journal.OpCreate, "a.txt", "")
	if _, err := f.WriteString("hello world"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(6, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(f, buf); err != nil || string(buf) != "world" {
		t.Fatalf("read after seek: %q, %v", buf, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("HELLO"); err != nil {
		t.Fatal(err)
	}
	if end, err := f.Seek(0, io.SeekEnd); err != nil || end != 11 {
		t.Fatalf("seek to end: %d, %v", end, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.content(t, "a.txt", []byte("HELLO world"))
	e.size(t, "a.txt", 11)
	e.recordSize(t, journal.OpWrite, "a.txt", 11)

	// A larger file than one FUSE request carries.
	big := pattern(3<<20+17, 7)
	e.write(t, "big.bin", big)
	e.content(t, "big.bin", big)
	e.recordSize(t, journal.OpWrite, "big.bin", int64(len(big)))
}

func testWritePastEOF(t *testing.T, e *env) {
	e.write(t, "sparse", []byte("head"))
	f, err := os.OpenFile(e.path("sparse"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const off = 1<<20 + 3
	if _, err := f.WriteAt([]byte("tail"), off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, off+4)
	copy(want, "head")
	copy(want[off:], "tail")
	e.content(t, "sparse", want)
	e.size(t, "sparse", off+4)
	e.recordSize(t, journal.OpWrite, "sparse", off+4)
}

func testTruncate(t *testing.T, e *env) {
	data := pattern(10000, 1)
	e.write(t, "t", data)

	// By path: truncate(2).
	if err := os.Truncate(e.path("t"), 100); err != nil {
		t.Fatal(err)
	}
	e.content(t, "t", data[:100])
	e.recordSize(t, journal.OpTruncate, "t", 100)
	if err := os.Truncate(e.path("t"), 5000); err != nil {
		t.Fatal(err)
	}
	e.content(t, "t", append(append([]byte{}, data[:100]...), make([]byte, 4900)...))
	e.recordSize(t, journal.OpTruncate, "t", 5000)

	// Through an open file: ftruncate(2).
	f, err := os.OpenFile(e.path("t"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(10); err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != 10 {
		t.Fatalf("fstat after ftruncate: %v, %v", fi, err)
	}
	if err := f.Truncate(20000); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.size(t, "t", 20000)
	e.content(t, "t", append(append([]byte{}, data[:10]...), make([]byte, 19990)...))
	e.recordSize(t, journal.OpTruncate, "t", 10)
	e.recordSize(t, journal.OpTruncate, "t", 20000)

	// open(O_TRUNC).
	f, err = os.OpenFile(e.path("t"), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.size(t, "t", 0)
	e.recordSize(t, journal.OpTruncate, "t", 0)
}

func testExclusiveCreate(t *testing.T, e *env) {
	e.write(t, "x", []byte("keep"))
	_, err := os.OpenFile(e.path("x"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if !errors.Is(err, unix.EEXIST) {
		t.Fatalf("O_EXCL create of an existing file: %v, want EEXIST", err)
	}
	e.content(t, "x", []byte("keep"))
	if err := os.Mkdir(e.path("x"), 0o755); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("mkdir over a file: %v, want EEXIST", err)
	}
}

func testOpenMissing(t *testing.T, e *env) {
	if _, err := os.Open(e.path("missing")); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("open of a missing file: %v, want ENOENT", err)
	}
	if _, err := os.OpenFile(e.path("nodir/f"), os.O_WRONLY|os.O_CREATE, 0o644); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("create in a missing directory: %v, want ENOENT", err)
	}
	if _, err := os.Stat(e.path("missing")); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("stat of a missing file: %v, want ENOENT", err)
	}
}

func testUnlink(t *testing.T, e *env) {
	e.write(t, "u", []byte("x"))
	if err := os.Remove(e.path("u")); err != nil {
		t.Fatal(err)
	}
	e.gone(t, "u")
	e.record(t, journal.OpUnlink, "u", "")
	if err := unix.Unlink(e.path("u")); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("second unlink: %v, want ENOENT", err)
	}
}

// A desktop deletes its temporary files while they are open: the name goes at
// once, the open file keeps working until closed, and nothing else roams.
func testUnlinkWhileOpen(t *testing.T, e *env) {
	f, err := os.OpenFile(e.path("tmp"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("before"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(e.path("tmp")); err != nil {
		t.Fatal(err)
	}
	e.gone(t, "tmp")
	ents, err := os.ReadDir(e.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Fatalf("listing after unlinking the only (open) file: %v", names(ents))
	}
	if _, err := f.WriteString("+after!!"); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Chmod(0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(12); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != 12 || fi.Mode().Perm() != 0o644 {
		t.Fatalf("fstat of the unlinked file: %v, %v", fi, err)
	}
	got := make([]byte, 12)
	if _, err := f.ReadAt(got, 0); err != nil || string(got) != "before+after" {
		t.Fatalf("read of the unlinked file: %q, %v", got, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.record(t, journal.OpUnlink, "tmp", "")
	// A new file may take the name at once.
	e.write(t, "tmp", []byte("new"))
	e.content(t, "tmp", []byte("new"))
}

// The final size is journaled under the name the file has at close.
func testRenameWhileOpen(t *testing.T, e *env) {
	f, err := os.OpenFile(e.path("draft"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("one"); err != nil {
		t.Fatal(err)
	}
	e.mkdir(t, "docs")
	if err := os.Rename(e.path("draft"), e.path("docs/final")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(",two"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.content(t, "docs/final", []byte("one,two"))
	e.record(t, journal.OpRename, "docs/final", "draft")
	e.recordSize(t, journal.OpWrite, "docs/final", 7)
}

// fsync is a point at which the change is journaled with its size, before
// fsync returns.
func testFsync(t *testing.T, e *env) {
	f, err := os.Create(e.path("synced"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data := pattern(4096*3+5, 3)
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range e.j.records(t) {
		found = found || r.Op == journal.OpWrite && r.Path == "synced" && r.Size == int64(len(data))
	}
	if !found {
		t.Fatalf("no write record with the size after fsync returned:\n%s", dump(e.j.records(t)))
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e.content(t, "synced", data)
}

// FUSE serves requests on many threads; the front end's handle tables must
// hold up (run with -race).
func testConcurrentFiles(t *testing.T, e *env) {
	const workers, files = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range files {
				name := e.path(fmt.Sprintf("w%d-%d", w, i))
				data := pattern(1000+w*100+i, byte(w))
				if err := os.WriteFile(name, data, 0o644); err != nil {
					t.Error(err)
					return
				}
				got, err := os.ReadFile(name)
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("%s: read back %d bytes, %v", name, len(got), err)
					return
				}
				if i%2 == 0 {
					if err := os.Remove(name); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	ents, err := os.ReadDir(e.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != workers*files/2 {
		t.Fatalf("%d entries left, want %d: %v", len(ents), workers*files/2, names(ents))
	}
}

func names(ents []os.DirEntry) []string {
	var n []string
	for _, e := range ents {
		n = append(n, e.Name())
	}
	return n
}
