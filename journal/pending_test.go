package journal

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// foldByScan is the reference the table is held to: the pending records read
// one by one, each naming its old path before its new one, the later naming
// winning.
func foldByScan(t testing.TB, j *Journal) map[string]PendingPath {
	t.Helper()
	out := map[string]PendingPath{}
	for _, r := range scanAll(t, j, false) {
		for _, n := range []struct {
			p   string
			old bool
		}{{r.OldPath, true}, {r.Path, false}} {
			if p := strings.Trim(n.p, "/"); p != "" {
				out[p] = PendingPath{Path: p, Seq: r.Seq, Old: n.old}
			}
		}
	}
	return out
}

func pendingPaths(t testing.TB, j *Journal) (map[string]PendingPath, uint64) {
	t.Helper()
	out := map[string]PendingPath{}
	through, err := j.PendingPaths(func(pp PendingPath) error {
		if _, dup := out[pp.Path]; dup {
			t.Errorf("path %q reported twice", pp.Path)
		}
		out[pp.Path] = pp
		return nil
	})
	if err != nil {
		t.Fatalf("pending paths: %v", err)
	}
	return out, through
}

// checkTable: PendingPaths equals the fold of the pending records, through
// is LastSeq (0 with nothing pending), and the stored table holds nothing
// else but synced entries a crash may leave (none unless stale is set).
func checkPathTable(t testing.TB, j *Journal, stale bool) {
	t.Helper()
	want := foldByScan(t, j)
	got, through := pendingPaths(t, j)
	wantThrough := j.LastSeq()
	if j.PendingCount() == 0 {
		wantThrough = 0
	}
	if through != wantThrough {
		t.Errorf("through %d, want %d", through, wantThrough)
	}
	if len(got) != len(want) {
		t.Errorf("%d pending paths, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	for p, w := range want {
		if g, ok := got[p]; !ok || g != w {
			t.Errorf("path %q: got %+v (%v), want %+v", p, g, ok, w)
		}
	}
	if stale || j.ro {
		return
	}
	raw := rawTable(t, j)
	for p, m := range raw {
		if _, ok := want[p]; !ok {
			t.Errorf("table holds %q (seq %d) which no pending record names (synced through %d)", p, m.seq, j.SyncedThrough())
		}
	}
}

func rawTable(t testing.TB, j *Journal) map[string]mark {
	t.Helper()
	raw := map[string]mark{}
	err := j.db.View(func(txn *badger.Txn) error {
		return eachMark(txn, func(p string, m mark) error { raw[p] = m; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func appendOK(t testing.TB, j *Journal, recs ...Record) []Record {
	t.Helper()
	out, err := j.Append(recs...)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return out
}

func TestPendingPathsFoldRecords(t *testing.T) {
	j := openTest(t, "")
	if got, through := pendingPaths(t, j); len(got) != 0 || through != 0 {
		t.Fatalf("empty journal: %v through %d", got, through)
	}
	appendOK(t, j,
		Record{Op: OpMkdir, Path: "Desktop"},
		Record{Op: OpCreate, Path: "Desktop/a.txt"},
		Record{Op: OpWrite, Path: "/Desktop/a.txt/"}, // spelled with slashes
		Record{Op: OpRename, OldPath: "Desktop/a.txt", Path: "Desktop/b.txt"},
		Record{Op: OpSetattr, Path: "/"}, // the root names no path
		Record{Op: OpRename, OldPath: "Desktop/b.txt", Path: "Desktop/b.txt"},
		// A rename that changes only case: both spellings, one Seq, the
		// new one later.
		Record{Op: OpRename, OldPath: "Desktop/c.txt", Path: "Desktop/C.txt"},
	)
	for i := range 50 {
		appendOK(t, j, Record{Op: OpWrite, Path: fmt.Sprintf("Documents/f%d", i%7)})
	}
	checkPathTable(t, j, false)
	got, _ := pendingPaths(t, j)
	lower, upper := got["Desktop/c.txt"], got["Desktop/C.txt"]
	if lower.Seq != upper.Seq || !lower.Old || upper.Old || !upper.After(lower) || lower.After(upper) {
		t.Errorf("case rename: old %+v new %+v", lower, upper)
	}
	if b := got["Desktop/b.txt"]; b.Seq != 6 || b.Old {
		t.Errorf("rename onto itself: %+v", b)
	}
	if _, ok := got[""]; ok {
		t.Error("the root reported as a path")
	}
	// One stored entry per path, however many records: 7 Documents paths.
	if n := len(rawTable(t, j)); n != 0 {
		t.Errorf("%d entries stored before anything asked for it", n)
	}
	if err := j.storePaths(); err != nil {
		t.Fatal(err)
	}
	checkPathTable(t, j, false)
	if n := len(rawTable(t, j)); n != len(got) || n != 5+7 {
		t.Errorf("table holds %d entries for %d paths", n, len(got))
	}
}

func TestPendingPathsAfterCommit(t *testing.T) {
	j := openTest(t, "")
	rng := rand.New(rand.NewPCG(1, 2))
	rec := func() Record {
		p := fmt.Sprintf("d%d/f%d", rng.IntN(3), rng.IntN(20))
		if rng.IntN(5) == 0 {
			return Record{Op: OpRename, OldPath: p, Path: fmt.Sprintf("d%d/f%d", rng.IntN(3), rng.IntN(20))}
		}
		return Record{Op: OpWrite, Path: p}
	}
	for range 200 {
		appendOK(t, j, rec())
	}
	// Watermarks: below everything, in the middle, a second time in the
	// middle (below the watermark: nothing moves), at the end, and after
	// more records.
	for _, through := range []uint64{0, 1, 77, 50, 150, 200} {
		if err := j.Commit(through, nil, nil); err != nil {
			t.Fatal(err)
		}
		checkPathTable(t, j, false)
	}
	if got, through := pendingPaths(t, j); len(got) != 0 || through != 0 {
		t.Fatalf("all synced: %v through %d", got, through)
	}
	for range 30 {
		appendOK(t, j, rec())
	}
	checkPathTable(t, j, false)
	if err := j.Commit(215, nil, nil); err != nil {
		t.Fatal(err)
	}
	checkPathTable(t, j, false)
}

// TestPendingPathsCommitDuringAppends: Commit prunes while records that
// touch the same paths keep coming; no path touched after the watermark may
// lose its entry.
func TestPendingPathsCommitDuringAppends(t *testing.T) {
	j, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	const writers, perWriter = 4, 1500
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				// Few paths, so that most appends re-touch a path the
				// committer is pruning.
				if _, err := j.Append(Record{Op: OpWrite, Path: fmt.Sprintf("p%d", (i+w)%5)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	commits := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				commits <- nil
				return
			default:
			}
			if err := j.Commit(j.LastSeq(), nil, nil); err != nil {
				commits <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	// Between commits, the table must cover every pending record.
	for range 20 {
		want := foldByScan(t, j)
		got, _ := pendingPaths(t, j)
		// Read after: a path the table no longer holds must have been
		// synced by a commit that moved the watermark first.
		synced := j.SyncedThrough()
		for p, w := range want {
			if w.Seq <= synced {
				continue
			}
			if g, ok := got[p]; !ok || g.Seq < w.Seq {
				t.Errorf("path %q: table %+v (%v), a pending record %+v", p, g, ok, w)
			}
		}
	}
	wg.Wait()
	close(stop)
	if err := <-commits; err != nil {
		t.Fatal(err)
	}
	checkPathTable(t, j, false)
	if err := j.Commit(j.LastSeq()-3, nil, nil); err != nil {
		t.Fatal(err)
	}
	checkPathTable(t, j, false)
}

func TestPendingPathsReopen(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		appendOK(t, j, Record{Op: OpWrite, Path: fmt.Sprintf("f%d", i%10)})
	}
	appendOK(t, j, Record{Op: OpRename, OldPath: "f3", Path: "g3"})
	if err := j.Commit(25, nil, nil); err != nil {
		t.Fatal(err)
	}
	want, _ := pendingPaths(t, j)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{true, false} {
		j, err := Open(dir, Options{ReadOnly: ro})
		if err != nil {
			t.Fatal(err)
		}
		checkPathTable(t, j, false)
		got, through := pendingPaths(t, j)
		if through != 41 || len(got) != len(want) || got["g3"] != want["g3"] {
			t.Errorf("ro=%v: through %d, %v, want %v", ro, through, got, want)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// dropTable makes dir's journal look like one written before the table
// existed (or one whose first fold was cut short at folded, with partial
// entries kept): the state Open must fold up.
func dropTable(t *testing.T, dir string, folded uint64, keep func(string) bool) {
	t.Helper()
	j, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]mark{}
	for p, m := range rawTable(t, j) {
		if keep != nil && keep(p) {
			kept[p] = m
		}
	}
	if err := j.db.DropPrefix([]byte(prefixPath)); err != nil {
		t.Fatal(err)
	}
	err = j.db.Update(func(txn *badger.Txn) error {
		if err := pathFold(kept).write(txn, false); err != nil {
			return err
		}
		if folded > 0 {
			return setFolded(txn, folded)
		}
		return txn.Delete([]byte(tableMarkKey))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPendingPathsMigration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		folded uint64
		keep   func(string) bool
	}{
		{"no table", 0, nil},
		// A fold cut short: entries of the records up to 120 and the
		// mark there (the chunk that would have moved it is lost).
		{"half a table", 120, func(p string) bool { return p < "f3" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j, err := Open(dir, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 300 {
				appendOK(t, j, Record{Op: OpWrite, Path: fmt.Sprintf("f%d", i%37)})
			}
			if err := j.Commit(100, nil, nil); err != nil {
				t.Fatal(err)
			}
			want := foldByScan(t, j)
			j.Close()
			dropTable(t, dir, tc.folded, tc.keep)

			// Read-only: nothing may be written, so the records beyond
			// the mark are folded in memory.
			j, err = Open(dir, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			checkPathTable(t, j, false)
			j.Close()

			j, err = Open(dir, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			checkPathTable(t, j, false)
			if got, _ := pendingPaths(t, j); len(got) != len(want) {
				t.Errorf("%d paths after the fold, want %d", len(got), len(want))
			}
			var folded uint64
			j.db.View(func(txn *badger.Txn) error { folded, err = readFolded(txn); return err })
			if folded != 300 {
				t.Errorf("mark %d after the fold, want 300", folded)
			}
			appendOK(t, j, Record{Op: OpCreate, Path: "new"})
			checkPathTable(t, j, false)
		})
	}
}

// TestPendingPathsFoldChunks: a fold larger than one transaction.
func TestPendingPathsFoldChunks(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 200)
	var recs []Record
	for i := range 3000 {
		recs = append(recs, Record{Op: OpCreate, Path: fmt.Sprintf("%s/f%d", long, i)})
	}
	appendOK(t, j, recs...)
	j.Close()
	dropTable(t, dir, 0, nil)
	j, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	checkPathTable(t, j, false)
	if err := j.Commit(2000, nil, nil); err != nil {
		t.Fatal(err)
	}
	checkPathTable(t, j, false)
}

// TestPendingPathsStaleEntriesIgnored: a crash between Commit's watermark
// and its pruning leaves synced entries; they are not pending, and the next
// commit removes them.
func TestPendingPathsStaleEntriesIgnored(t *testing.T) {
	j := openTest(t, "")
	for i := range 10 {
		appendOK(t, j, Record{Op: OpWrite, Path: fmt.Sprintf("f%d", i)})
	}
	if err := j.storePaths(); err != nil {
		t.Fatal(err)
	}
	err := j.db.Update(func(txn *badger.Txn) error { return txn.Set(metaKey(metaSynced), encodeUint64(6)) })
	if err != nil {
		t.Fatal(err)
	}
	j.synced.Store(6)
	checkPathTable(t, j, true)
	if n := len(rawTable(t, j)); n != 10 {
		t.Fatalf("%d raw entries, want the 10 left by the cut-short commit", n)
	}
	if err := j.Commit(8, nil, nil); err != nil {
		t.Fatal(err)
	}
	checkPathTable(t, j, false)
}

// TestPendingPathsWALRecovery: records badger lost come back from the
// write-ahead file, and their paths with them, whether the stored part of
// the table survived the loss (it was stored later, in a memtable that
// survived) or went with the records.
func TestPendingPathsWALRecovery(t *testing.T) {
	for _, lostStore := range []bool{false, true} {
		t.Run(fmt.Sprintf("store-lost=%v", lostStore), func(t *testing.T) {
			dir := t.TempDir()
			j, err := Open(dir, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Unix(1700000000, 0)
			var recs []Record
			for i := uint64(1); i <= 10; i++ {
				recs = append(recs, Record{Seq: i, Time: at, Session: "s", Op: OpWrite, Path: fmt.Sprintf("f%d", i%4)})
			}
			recs[4].Path = "only-in-5"
			appendOK(t, j, recs...)
			if err := j.Commit(2, nil, nil); err != nil {
				t.Fatal(err)
			}
			j.Close() // stores the table, mark 10

			j, err = Open(dir, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			// badger loses records 4 and 5 (and with lostStore, what was
			// stored of the table after them).
			err = j.db.Update(func(txn *badger.Txn) error {
				for _, s := range []uint64{4, 5} {
					if err := txn.Delete(recordKey(s)); err != nil {
						return err
					}
				}
				if !lostStore {
					return nil
				}
				for _, p := range []string{"f0", "f1", "f2", "f3", "only-in-5"} {
					if err := txn.Delete(pathKey(p)); err != nil {
						return err
					}
				}
				return txn.Delete([]byte(tableMarkKey))
			})
			if err != nil {
				t.Fatal(err)
			}
			j.db.Close() // not j.Close: nothing else may be written
			// The write-ahead file has everything, then a group whose badger
			// write failed (its Seq handed out again) and the group that
			// reused it.
			failed := Record{Seq: 11, Time: at, Session: "s", Op: OpCreate, Path: "failed-group"}
			reused := Record{Seq: 11, Time: at, Session: "s", Op: OpCreate, Path: "f11"}
			walRecords(t, dir, append(append([]Record{}, recs...), failed, reused), nil)

			j, err = Open(dir, Options{NoSync: true, WAL: true})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if j.LastSeq() != 11 {
				t.Fatalf("LastSeq %d", j.LastSeq())
			}
			checkPathTable(t, j, false)
			got, _ := pendingPaths(t, j)
			if got["only-in-5"].Seq != 5 || got["f11"].Seq != 11 || got["f3"].Seq != 7 {
				t.Errorf("recovered paths: %v", got)
			}
			if _, ok := got["failed-group"]; ok {
				t.Error("a path of a record the write-ahead file superseded is pending")
			}
		})
	}
}

// TestPendingPathsStoredInTurn: the in-memory part goes to badger once it
// is large enough, while appends and commits go on.
func TestPendingPathsStoredInTurn(t *testing.T) {
	defer func(p int, r uint64) { storeMaxPaths, storeMaxRecords = p, r }(storeMaxPaths, storeMaxRecords)
	storeMaxPaths, storeMaxRecords = 50, 200
	dir := t.TempDir()
	j, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		appendOK(t, j, Record{Op: OpWrite, Path: fmt.Sprintf("d%d/f%d", i%3, i%70)})
		if i%150 == 149 {
			if err := j.Commit(j.LastSeq()-20, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%97 == 0 {
			checkPathTable(t, j, false)
		}
	}
	j.tableMu.Lock()
	n, folded := len(j.fresh), j.folded
	j.tableMu.Unlock()
	if n > 70 || folded < 1000-200 {
		t.Errorf("%d paths in memory, stored through %d of 1000", n, folded)
	}
	if len(rawTable(t, j)) == 0 {
		t.Error("nothing stored")
	}
	checkPathTable(t, j, false)
	j.Close()
	j, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	checkPathTable(t, j, false)
}
