package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// smallWAL makes the write-ahead file rotate after a few hundred records.
func smallWAL(t *testing.T, size int64) {
	old := walRotateBytes
	walRotateBytes = size
	t.Cleanup(func() { walRotateBytes = old })
}

// walSize is the bytes of whole frames in dir's write-ahead file (the zeros
// written ahead of them do not count).
func walSize(t *testing.T, dir string) int64 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, walName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	end, err := (&wal{f: f, alloc: fi.Size()}).scan(nil)
	if err != nil {
		t.Fatal(err)
	}
	return end
}

// TestWALRotatesOnceBadgerHoldsRecords: a long session's write-ahead file is
// emptied again and again while it runs, and every record stays.
func TestWALRotatesOnceBadgerHoldsRecords(t *testing.T) {
	if !walRotates {
		t.Skip("the write-ahead file is kept until Close here (see wal_rotate.go)")
	}
	smallWAL(t, 32<<10)
	dir := t.TempDir()
	j, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 3000
	var wg sync.WaitGroup
	var written int64
	var mu sync.Mutex
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := Record{Op: OpWrite, Path: fmt.Sprintf("w%d/file-%05d", w, i), Size: int64(i)}
				if _, err := j.Append(r); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				written += int64(len(encodeRecord(r)) + 8)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rot := j.walRotations.Load()
	size := walSize(t, dir)
	if rot == 0 || size >= written/2 {
		t.Fatalf("after %d bytes of records: %d rotations, write-ahead file %d bytes", written, rot, size)
	}
	t.Logf("%d bytes of records, %d rotations, write-ahead file %d bytes", written, rot, size)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	recs := scanAll(t, j, true)
	if len(recs) != writers*each {
		t.Fatalf("%d records after reopen, want %d", len(recs), writers*each)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Path] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct paths, want %d", len(seen), writers*each)
	}
}

// TestWALRecoversHolesBelowLastSeq: a power loss can take a memtable badger
// had not flushed while a later one survived; the write-ahead file fills the
// hole, not only what lies beyond badger's last record. A Seq written twice in
// the file (a failed group gave its numbers back) is recovered as its later
// frame.
func TestWALRecoversHolesBelowLastSeq(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1700000000, 0)
	var recs []Record
	for i := uint64(1); i <= 10; i++ {
		recs = append(recs, Record{Seq: i, Time: at, Session: "s", Op: OpCreate, Path: fmt.Sprintf("f%02d", i)})
	}
	if _, err := j.Append(recs...); err != nil {
		t.Fatal(err)
	}
	// badger loses 4 and 5.
	if err := j.db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(recordKey(4)); err != nil {
			return err
		}
		return txn.Delete(recordKey(5))
	}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	failed := Record{Seq: 11, Time: at, Session: "s", Op: OpCreate, Path: "failed-group"}
	reused := Record{Seq: 11, Time: at, Session: "s", Op: OpCreate, Path: "f11"}
	walRecords(t, dir, append(append([]Record{}, recs...), failed, reused), nil)

	j, err = Open(dir, Options{NoSync: true, WAL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got := scanAll(t, j, true)
	if len(got) != 11 || j.LastSeq() != 11 {
		t.Fatalf("%d records, LastSeq %d; want 11 and 11: %+v", len(got), j.LastSeq(), got)
	}
	for i, r := range got {
		if want := fmt.Sprintf("f%02d", i+1); r.Seq != uint64(i+1) || r.Path != want {
			t.Fatalf("record %d: seq %d path %q, want %q", i, r.Seq, r.Path, want)
		}
	}
}
