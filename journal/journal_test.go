package journal

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// openTest opens a journal in a fresh directory. fsync stays on: the tests
// are small and durability is the point of the package.
func openTest(t testing.TB, dir string) *Journal {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	j, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

func scanAll(t testing.TB, j *Journal, all bool) []Record {
	t.Helper()
	var out []Record
	if err := j.Scan(all, func(r Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

func TestAppendScanOrderAndSynced(t *testing.T) {
	j := openTest(t, "")
	if j.LastSeq() != 0 || j.SyncedThrough() != 0 || j.PendingCount() != 0 {
		t.Fatalf("empty journal: last %d synced %d pending %d", j.LastSeq(), j.SyncedThrough(), j.PendingCount())
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	got, err := j.Append(
		Record{Op: OpMkdir, Path: "Desktop", Session: "s1", Time: ts},
		Record{Op: OpCreate, Path: "Desktop/a.txt", Session: "s1", Seq: 99, Synced: true},
		Record{Op: OpRename, Path: "Desktop/b.txt", OldPath: "Desktop/a.txt", Session: "s1"},
	)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) || r.Synced {
			t.Errorf("returned record %d: seq %d synced %v", i, r.Seq, r.Synced)
		}
		if r.Time.IsZero() {
			t.Errorf("returned record %d: zero time", i)
		}
	}
	if !got[0].Time.Equal(ts) {
		t.Errorf("caller's time replaced: %v", got[0].Time)
	}
	more, err := j.Append(Record{Op: OpWrite, Path: "Desktop/b.txt", Size: 10})
	if err != nil || more[0].Seq != 4 {
		t.Fatalf("second append: %+v, %v", more, err)
	}

	if err := j.Commit(2, nil, nil); err != nil {
		t.Fatal(err)
	}
	all := scanAll(t, j, true)
	if len(all) != 4 {
		t.Fatalf("scan all: %d records", len(all))
	}
	for i, r := range all {
		want := append(got, more...)[i]
		want.Synced = i < 2
		if !r.Time.Equal(want.Time) {
			t.Errorf("record %d time %v, want %v", i, r.Time, want.Time)
		}
		r.Time, want.Time = time.Time{}, time.Time{}
		if r != want {
			t.Errorf("record %d = %+v, want %+v", i, r, want)
		}
	}
	pending := scanAll(t, j, false)
	if len(pending) != 2 || pending[0].Seq != 3 || pending[1].Seq != 4 || pending[0].Synced {
		t.Fatalf("pending = %+v", pending)
	}
	if j.PendingCount() != 2 || j.LastSeq() != 4 || j.SyncedThrough() != 2 {
		t.Fatalf("pending %d last %d synced %d", j.PendingCount(), j.LastSeq(), j.SyncedThrough())
	}
}

func TestAppendValidates(t *testing.T) {
	j := openTest(t, "")
	if _, err := j.Append(Record{Path: "x"}); err == nil {
		t.Error("record without op accepted")
	}
	if _, err := j.Append(Record{Op: OpRename, Path: "x"}); err == nil {
		t.Error("rename without old path accepted")
	}
	if j.LastSeq() != 0 {
		t.Errorf("rejected records used seqs: last %d", j.LastSeq())
	}
	if recs, err := j.Append(); err != nil || len(recs) != 0 {
		t.Errorf("empty append: %v, %v", recs, err)
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	j := openTest(t, "")
	for i := 0; i < 5; i++ {
		if _, err := j.Append(Record{Op: OpCreate, Path: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("enough")
	n := 0
	err := j.Scan(true, func(Record) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("err %v after %d records", err, n)
	}
}

func TestConcurrentAppend(t *testing.T) {
	j := openTest(t, "")
	const writers, each = 16, 50
	var wg sync.WaitGroup
	seqs := make([][]uint64, writers)
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Mix single records and small batches.
				recs := []Record{{Op: OpWrite, Path: fmt.Sprintf("w%d/%d", w, i), Session: "s"}}
				if i%5 == 0 {
					recs = append(recs, Record{Op: OpSetattr, Path: fmt.Sprintf("w%d/%d", w, i)})
				}
				got, err := j.Append(recs...)
				if err != nil {
					errs <- err
					return
				}
				for k, r := range got {
					if k > 0 && r.Seq != got[k-1].Seq+1 {
						errs <- fmt.Errorf("one call's seqs not consecutive: %d after %d", r.Seq, got[k-1].Seq)
					}
					if r.Path != recs[k].Path {
						errs <- fmt.Errorf("returned path %q, sent %q", r.Path, recs[k].Path)
					}
					seqs[w] = append(seqs[w], r.Seq)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var all []uint64
	for w := range seqs {
		if !sort.SliceIsSorted(seqs[w], func(a, b int) bool { return seqs[w][a] < seqs[w][b] }) {
			t.Errorf("writer %d saw seqs go backwards", w)
		}
		all = append(all, seqs[w]...)
	}
	want := writers * (each + each/5)
	if len(all) != want {
		t.Fatalf("%d seqs returned, want %d", len(all), want)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	for i, s := range all {
		if s != uint64(i+1) {
			t.Fatalf("seqs not 1..%d: position %d holds %d", want, i, s)
		}
	}
	recs := scanAll(t, j, true)
	if len(recs) != want || j.LastSeq() != uint64(want) || j.PendingCount() != want {
		t.Fatalf("scan %d, last %d, pending %d; want %d", len(recs), j.LastSeq(), j.PendingCount(), want)
	}
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			t.Fatalf("scan position %d has seq %d", i, r.Seq)
		}
	}
	if txns := j.txns.Load(); txns >= uint64(want) {
		t.Logf("no group commit happened: %d txns for %d records", txns, want)
	} else {
		t.Logf("%d records in %d transactions", want, txns)
	}
}

func TestLargeAppendIsSplit(t *testing.T) {
	j := openTest(t, "")
	long := make([]byte, 4000)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	recs := make([]Record, 3000) // ~12 MB, well over one transaction
	for i := range recs {
		recs[i] = Record{Op: OpCreate, Path: fmt.Sprintf("%s/%d", long, i)}
	}
	got, err := j.Append(recs...)
	if err != nil {
		t.Fatal(err)
	}
	if got[len(got)-1].Seq != 3000 || j.LastSeq() != 3000 {
		t.Fatalf("last seq %d / %d", got[len(got)-1].Seq, j.LastSeq())
	}
	if n := len(scanAll(t, j, false)); n != 3000 {
		t.Fatalf("scan found %d", n)
	}
	if j.txns.Load() < 2 {
		t.Fatalf("expected several transactions, got %d", j.txns.Load())
	}
}

func TestClosed(t *testing.T) {
	j := openTest(t, "")
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := j.Append(Record{Op: OpCreate, Path: "x"}); !errors.Is(err, ErrClosed) {
		t.Errorf("append after close: %v", err)
	}
	if err := j.Scan(true, func(Record) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("scan after close: %v", err)
	}
	if _, _, err := j.Base("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("base after close: %v", err)
	}
	if err := j.Commit(0, nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("commit after close: %v", err)
	}
}

// Appends racing with Close either succeed (and are durable) or get ErrClosed.
func TestAppendDuringClose(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := j.Append(Record{Op: OpWrite, Path: "f"})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	j2 := openTest(t, dir)
	if got := len(scanAll(t, j2, true)); got != ok {
		t.Fatalf("%d appends acknowledged, %d records after reopen", ok, got)
	}
}

func TestMeta(t *testing.T) {
	j := openTest(t, "")
	if _, ok, err := j.Meta("session"); ok || err != nil {
		t.Fatalf("missing meta: ok %v err %v", ok, err)
	}
	if err := j.SetMeta("session", []byte("abc")); err != nil {
		t.Fatal(err)
	}
	v, ok, err := j.Meta("session")
	if !ok || err != nil || string(v) != "abc" {
		t.Fatalf("meta = %q %v %v", v, ok, err)
	}
	if err := j.SetMeta("synced", []byte{0, 0, 0, 0, 0, 0, 0, 9}); err == nil {
		t.Fatal("SetMeta overwrote the watermark")
	}
	if err := j.SetMeta("", nil); err == nil {
		t.Fatal("empty meta key accepted")
	}
}

// The syncer may commit from inside a Scan callback; Close may come while a
// Scan is running. Neither may deadlock.
func TestReentrantCalls(t *testing.T) {
	j := openTest(t, "")
	for i := 0; i < 10; i++ {
		if _, err := j.Append(Record{Op: OpCreate, Path: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	err := j.Scan(false, func(r Record) error {
		if _, err := j.Append(Record{Op: OpWrite, Path: r.Path}); err != nil {
			return err
		}
		if err := j.Commit(r.Seq, map[string]Base{r.Path: fileBase(1)}, nil); err != nil {
			return err
		}
		return j.Bases(r.Path, func(string, Base) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if j.SyncedThrough() != 10 || j.LastSeq() != 20 {
		t.Fatalf("synced %d last %d", j.SyncedThrough(), j.LastSeq())
	}

	started, closed := make(chan struct{}), make(chan error)
	go func() {
		<-started
		closed <- j.Close()
	}()
	err = j.Scan(true, func(r Record) error {
		if r.Seq == 1 {
			close(started)
			time.Sleep(20 * time.Millisecond) // let Close begin
			if _, _, err := j.Base("x"); err == nil {
				return fmt.Errorf("Base during Close succeeded")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

func TestGCTicker(t *testing.T) {
	old := gcInterval
	gcInterval = time.Millisecond
	defer func() { gcInterval = old }()
	j := openTest(t, "")
	big := make([]byte, 2000) // over ValueThreshold: goes to the value log
	for i := range 50 {
		if err := j.SetMeta("blob", append(big, byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}
