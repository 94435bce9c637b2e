package journal

import (
	"errors"
	"fmt"
	badger "github.com/dgraph-io/badger/v4"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func fileBase(size int64) Base {
	return Base{Kind: KindFile, Size: size, MTime: time.Unix(1700000000, 987654321), Mode: 0o644}
}

func listBases(t testing.TB, j *Journal, prefix string) []string {
	t.Helper()
	var out []string
	err := j.Bases(prefix, func(p string, b Base) error {
		out = append(out, fmt.Sprintf("%s:%d", p, b.Size))
		return nil
	})
	if err != nil {
		t.Fatalf("bases %q: %v", prefix, err)
	}
	return out
}

func TestCommitMarksSyncedAndWritesBases(t *testing.T) {
	j := openTest(t, "")
	if err := j.SetBases(map[string]Base{"old": fileBase(1), "keep": fileBase(2)}, nil); err != nil {
		t.Fatal(err)
	}
	if j.SyncedThrough() != 0 {
		t.Fatal("SetBases moved the watermark")
	}
	for i := 0; i < 3; i++ {
		if _, err := j.Append(Record{Op: OpWrite, Path: "new"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Commit(4, nil, nil); err == nil {
		t.Fatal("commit beyond LastSeq accepted")
	}
	if err := j.Commit(3, map[string]Base{"new": fileBase(3), "keep": fileBase(20)}, []string{"old", "absent"}); err != nil {
		t.Fatal(err)
	}
	if j.SyncedThrough() != 3 || j.PendingCount() != 0 {
		t.Fatalf("synced %d pending %d", j.SyncedThrough(), j.PendingCount())
	}
	for _, r := range scanAll(t, j, true) {
		if !r.Synced {
			t.Errorf("record %d not synced", r.Seq)
		}
	}
	if n := len(scanAll(t, j, false)); n != 0 {
		t.Errorf("%d pending records after commit", n)
	}
	if got, want := listBases(t, j, ""), []string{"keep:20", "new:3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("bases %v, want %v", got, want)
	}
	b, ok, err := j.Base("new")
	if err != nil || !ok {
		t.Fatalf("base new = %+v %v %v", b, ok, err)
	}
	if b.MTime.UnixNano() != fileBase(3).MTime.UnixNano() || b.Kind != KindFile || b.Mode != 0o644 {
		t.Errorf("base new = %+v", b)
	}
	if _, ok, _ := j.Base("old"); ok {
		t.Error("deleted base still there")
	}

	// The watermark never goes back.
	if err := j.Commit(1, nil, nil); err != nil {
		t.Fatal(err)
	}
	if j.SyncedThrough() != 3 {
		t.Errorf("watermark lowered to %d", j.SyncedThrough())
	}
	// New records after a commit are pending.
	if _, err := j.Append(Record{Op: OpUnlink, Path: "new"}); err != nil {
		t.Fatal(err)
	}
	if p := scanAll(t, j, false); len(p) != 1 || p[0].Seq != 4 || p[0].Synced {
		t.Fatalf("pending after commit: %+v", p)
	}
}

func TestSetAndDeleteSamePathDeletes(t *testing.T) {
	j := openTest(t, "")
	if err := j.SetBases(map[string]Base{"x": fileBase(1)}, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := j.Base("x"); ok {
		t.Fatal("path in both set and del survived")
	}
}

func TestSetBasesRejectsBadKindAtomically(t *testing.T) {
	j := openTest(t, "")
	err := j.SetBases(map[string]Base{"good": fileBase(1), "bad": {Kind: 9}}, nil)
	if err == nil {
		t.Fatal("invalid kind accepted")
	}
	if got := listBases(t, j, ""); len(got) != 0 {
		t.Fatalf("partial write: %v", got)
	}
}

func TestBasesPrefix(t *testing.T) {
	j := openTest(t, "")
	paths := []string{"a", "a/b", "a/b/c", "a/b/c/d", "a/b!", "a/b.txt", "a/bc", "a/bc/x", "b", "ab"}
	set := map[string]Base{}
	for i, p := range paths {
		set[p] = fileBase(int64(i))
	}
	if err := j.SetBases(set, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a:0", "a/b:1", "a/b!:4", "a/b.txt:5", "a/b/c:2", "a/b/c/d:3", "a/bc:6", "a/bc/x:7", "ab:9", "b:8"}},
		{"a/b", []string{"a/b:1", "a/b/c:2", "a/b/c/d:3"}},
		{"a/b/", []string{"a/b:1", "a/b/c:2", "a/b/c/d:3"}},
		{"a/bc", []string{"a/bc:6", "a/bc/x:7"}},
		{"a", []string{"a:0", "a/b:1", "a/b!:4", "a/b.txt:5", "a/b/c:2", "a/b/c/d:3", "a/bc:6", "a/bc/x:7"}},
		{"a/b/c/d", []string{"a/b/c/d:3"}},
		{"nothing", nil},
		{"a/x", nil},
	}
	for _, tt := range tests {
		if got := listBases(t, j, tt.prefix); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Bases(%q) = %v, want %v", tt.prefix, got, tt.want)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := j.Bases("", func(string, Base) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d", err, n)
	}
}

func TestCommitLargeMap(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 bases")
	}
	j := openTest(t, "")
	const n = 100_000
	set := make(map[string]Base, n)
	for i := 0; i < n; i++ {
		set[fmt.Sprintf("AppData/Roaming/Vendor/App/cache/dir%03d/file%06d.dat", i%1000, i)] = fileBase(int64(i))
	}
	if _, err := j.Append(Record{Op: OpCreate, Path: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Commit(1, set, nil); err != nil {
		t.Fatal(err)
	}
	if j.SyncedThrough() != 1 {
		t.Fatalf("watermark %d", j.SyncedThrough())
	}
	count := 0
	if err := j.Bases("AppData/Roaming", func(string, Base) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("%d bases stored, want %d", count, n)
	}
	// And delete them all again in one call.
	del := make([]string, 0, n)
	for p := range set {
		del = append(del, p)
	}
	if err := j.Commit(1, nil, del); err != nil {
		t.Fatal(err)
	}
	if got := listBases(t, j, ""); len(got) != 0 {
		t.Fatalf("%d bases left", len(got))
	}
}

func TestReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "journal") // Open creates it
	j, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]Record, 10)
	for i := range recs {
		recs[i] = Record{Op: OpWrite, Path: fmt.Sprintf("f%d", i), Session: "s1", Size: int64(i)}
	}
	written, err := j.Append(recs...)
	if err != nil {
		t.Fatal(err)
	}
	mt := time.Date(2023, 5, 6, 7, 8, 9, 123456789, time.UTC)
	if err := j.Commit(6, map[string]Base{"f1": {Kind: KindFile, Size: 1, MTime: mt, Mode: 0o600}, "d": {Kind: KindDir, Mode: 0o700}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.SetMeta("session", []byte("s1")); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	for _, ro := range []bool{true, false} {
		j, err := Open(dir, Options{ReadOnly: ro})
		if err != nil {
			t.Fatalf("reopen (read-only %v): %v", ro, err)
		}
		if j.LastSeq() != 10 || j.SyncedThrough() != 6 || j.PendingCount() != 4 {
			t.Errorf("ro=%v: last %d synced %d pending %d", ro, j.LastSeq(), j.SyncedThrough(), j.PendingCount())
		}
		got := scanAll(t, j, true)
		if len(got) != 10 {
			t.Fatalf("ro=%v: %d records", ro, len(got))
		}
		for i, r := range got {
			w := written[i]
			if r.Seq != w.Seq || r.Path != w.Path || r.Size != w.Size || r.Session != "s1" || !r.Time.Equal(w.Time) || r.Synced != (i < 6) {
				t.Errorf("ro=%v: record %d = %+v, wrote %+v", ro, i, r, w)
			}
		}
		b, ok, err := j.Base("f1")
		if err != nil || !ok || b.MTime.UnixNano() != mt.UnixNano() || b.Mode != 0o600 || b.Size != 1 {
			t.Errorf("ro=%v: base f1 = %+v %v %v", ro, b, ok, err)
		}
		if v, ok, _ := j.Meta("session"); !ok || string(v) != "s1" {
			t.Errorf("ro=%v: meta session = %q %v", ro, v, ok)
		}
		if ro {
			if _, err := j.Append(Record{Op: OpCreate}); !errors.Is(err, ErrReadOnly) {
				t.Errorf("append on read-only journal: %v", err)
			}
		} else {
			// Seqs continue after a reopen.
			r, err := j.Append(Record{Op: OpCreate, Path: "after"})
			if err != nil || r[0].Seq != 11 {
				t.Errorf("append after reopen: %+v %v", r, err)
			}
			if got := scanAll(t, j, false); len(got) != 5 {
				t.Errorf("pending after reopen: %d", len(got))
			}
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenTwiceIsLocked(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	for _, ro := range []bool{false, true} {
		j, err := Open(dir, Options{ReadOnly: ro})
		if !errors.Is(err, ErrLocked) {
			if j != nil {
				_ = j.Close()
			}
			t.Fatalf("second open (read-only %v): %v, want ErrLocked", ro, err)
		}
	}
}

func TestReadOnlyMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open of missing dir: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("read-only open created the directory")
	}
}

func TestCorruptRecordIsReported(t *testing.T) {
	j := openTest(t, "")
	if _, err := j.Append(Record{Op: OpCreate, Path: "ok"}); err != nil {
		t.Fatal(err)
	}
	// Bypass the API to plant garbage, as a damaged disk would.
	if err := j.db.Update(func(txn *badger.Txn) error { return txn.Set(recordKey(2), []byte("garbage")) }); err != nil {
		t.Fatal(err)
	}
	err := j.Scan(true, func(Record) error { return nil })
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("scan over garbage: %v", err)
	}
}
