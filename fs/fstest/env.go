//go:build linux

package fstest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"roamfs/journal"
	"roamfs/overlay"
)

// env is one case's mount.
type env struct {
	mnt  string
	p    *overlay.Profile
	j    *recorder
	caps Caps
}

// path is rel's name under the mount point.
func (e *env) path(rel string) string { return filepath.Join(e.mnt, filepath.FromSlash(rel)) }

func (e *env) write(t *testing.T, rel string, data []byte) {
	t.Helper()
	if err := os.WriteFile(e.path(rel), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (e *env) mkdir(t *testing.T, rel string) {
	t.Helper()
	if err := os.Mkdir(e.path(rel), 0o755); err != nil {
		t.Fatal(err)
	}
}

// content checks rel's bytes through the mount.
func (e *env) content(t *testing.T, rel string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(e.path(rel))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: content %q, want %q", rel, clip(got), clip(want))
	}
}

// gone checks that rel does not exist, through the mount and in the cache.
func (e *env) gone(t *testing.T, rel string) {
	t.Helper()
	if _, err := os.Lstat(e.path(rel)); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("lstat %s through the mount: %v, want ENOENT", rel, err)
	}
	if _, err := e.p.Lstat(rel); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("lstat %s in the profile: %v, want ENOENT", rel, err)
	}
}

// size checks rel's size through the mount and in the profile.
func (e *env) size(t *testing.T, rel string, want int64) {
	t.Helper()
	fi, err := os.Lstat(e.path(rel))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != want {
		t.Fatalf("%s: size %d through the mount, want %d", rel, fi.Size(), want)
	}
	st, err := e.p.Lstat(rel)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != want {
		t.Fatalf("%s: size %d in the profile, want %d", rel, st.Size, want)
	}
}

// record waits for a record of op on rel (and, for a rename, from old).
func (e *env) record(t *testing.T, op journal.Op, rel, old string) journal.Record {
	t.Helper()
	return e.j.wait(t, string(op)+" "+rel, func(r journal.Record) bool {
		return r.Op == op && r.Path == rel && r.OldPath == old
	})
}

// recordSize waits for a record of op on rel carrying size: the final size
// of a file arrives with the record written at fsync or release.
func (e *env) recordSize(t *testing.T, op journal.Op, rel string, size int64) journal.Record {
	t.Helper()
	return e.j.wait(t, string(op)+" "+rel+" with its final size", func(r journal.Record) bool {
		return r.Op == op && r.Path == rel && r.Size == size
	})
}

// checkRecords holds for every record of every case: the suite's session, a
// path inside the profile, no name the FUSE layer made up.
func (e *env) checkRecords(t *testing.T) {
	t.Helper()
	for _, r := range e.j.records(t) {
		bad := r.Session != Session || r.Path == "" || strings.HasPrefix(r.Path, "/") ||
			strings.Contains(r.Path, ".fuse_hidden") || strings.Contains(r.OldPath, ".fuse_hidden")
		if bad {
			t.Errorf("journal record %d %s %q (old %q, session %q): not a profile path of this session", r.Seq, r.Op, r.Path, r.OldPath, r.Session)
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 64 {
		return append(b[:64:64], "..."...)
	}
	return b
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}
