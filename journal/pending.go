package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// The pending-path table. A logoff needs the set of paths the pending records
// name, not the records: a session that saved one document a thousand times
// changed one path. Reading that set from the records costs a decode per
// record (about 6 µs: a million-record logoff spent 9 s in it against 1.6 s
// for a hundred thousand), so the journal keeps the records folded per path:
// for each path, the latest record naming it (its Seq, and whether it named
// the path as a rename's old name). PendingPaths reads the fold; its cost
// follows the number of distinct paths.
//
// The fold has two parts. The committer folds each transaction's records
// into fresh, in memory, as it commits them (under tableMu); storePaths moves
// fresh into badger (t/p/<path>) together with the stored mark t/folded, the
// Seq through which the stored part is complete, once fresh holds
// storeMaxPaths paths or storeMaxRecords records, and at Close. Writing the
// entries with every record transaction instead cost 2.4 times the CPU of an
// append and 30 MB more memory (badger compacting versions of the same keys
// over and over).
//
// A crash loses fresh, not the records: Open folds the records after the
// stored mark into the table again (foldTail), at most storeMaxRecords of
// them, resumably (each chunk moves the mark in its own transaction; entries
// are only ever raised, so folding a record twice is harmless). A journal
// written before the table existed has no mark (0): its first Open folds
// every pending record. A write-ahead recovery that puts back a record below
// the mark first lowers the mark, so the same fold covers it.
//
// Commit drops the part it marks synced (prunePaths). An entry at or below
// the watermark that a crash left behind is ignored by PendingPaths and
// removed by the next Commit.

// storeMaxPaths and storeMaxRecords bound fresh (memory) and what Open folds
// again after a crash (about 6 µs a record); variables for tests.
var (
	storeMaxPaths          = 4096
	storeMaxRecords uint64 = 1 << 16
)

// mark is a table entry: the latest record naming a path.
type mark struct {
	seq uint64
	// old: that record names the path only as the old name of a rename.
	old bool
}

// after reports whether m names its path later than o. A record names its
// old path before its new one, which is what breaks a tie of Seqs.
func (m mark) after(o mark) bool {
	return m.seq > o.seq || (m.seq == o.seq && o.old && !m.old)
}

const markLen = 9

func encodeMark(m mark) []byte {
	b := make([]byte, markLen)
	binary.BigEndian.PutUint64(b, m.seq)
	if !m.old {
		b[8] = 1
	}
	return b
}

func decodeMark(b []byte) (mark, error) {
	if len(b) != markLen || b[8] > 1 {
		return mark{}, fmt.Errorf("pending path entry of %d bytes: %w", len(b), ErrCorrupt)
	}
	return mark{seq: binary.BigEndian.Uint64(b), old: b[8] == 0}, nil
}

// pathFold is records folded per path: the table's entries for them.
type pathFold map[string]mark

// add folds r in and returns the table bytes it adds (an estimate, for
// keeping a transaction within badger's limit).
func (f pathFold) add(r Record) int64 {
	return f.note(r.OldPath, mark{r.Seq, true}) + f.note(r.Path, mark{r.Seq, false})
}

func (f pathFold) note(p string, m mark) int64 {
	p = strings.Trim(p, "/")
	if p == "" {
		return 0
	}
	cur, ok := f[p]
	if !ok || m.after(cur) {
		f[p] = m
	}
	if ok {
		return 0
	}
	return pathEntrySize(p)
}

func pathEntrySize(p string) int64 {
	return int64(len(prefixPath) + len(p) + markLen + recordOverhead)
}

// write stores f's entries in txn, each only if it is later than the entry
// there (check: the table may hold later ones; the committer's own records
// are always the latest, so it does not look).
func (f pathFold) write(txn *badger.Txn, check bool) error {
	for p, m := range f {
		if check {
			cur, ok, err := readMark(txn, p)
			if err != nil {
				return err
			}
			if ok && !m.after(cur) {
				continue
			}
		}
		if err := txn.Set(pathKey(p), encodeMark(m)); err != nil {
			return fmt.Errorf("pending path %q: %w", p, err)
		}
	}
	return nil
}

func readMark(txn *badger.Txn, p string) (mark, bool, error) {
	item, err := txn.Get(pathKey(p))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return mark{}, false, nil
	}
	if err != nil {
		return mark{}, false, fmt.Errorf("pending path %q: %w", p, err)
	}
	var m mark
	err = item.Value(func(v []byte) error {
		var e error
		m, e = decodeMark(v)
		return e
	})
	if err != nil {
		return mark{}, false, fmt.Errorf("pending path %q: %w", p, err)
	}
	return m, true, nil
}

func readFolded(txn *badger.Txn) (uint64, error) {
	item, err := txn.Get([]byte(tableMarkKey))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read pending-path mark: %w", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return 0, fmt.Errorf("read pending-path mark: %w", err)
	}
	return decodeUint64("pending-path mark", v)
}

func setFolded(txn *badger.Txn, seq uint64) error {
	return txn.Set([]byte(tableMarkKey), encodeUint64(seq))
}

// PendingPath is a path that pending records name.
type PendingPath struct {
	Path string // as the records spell it, without leading or trailing "/"
	Seq  uint64 // the highest Seq of a pending record naming it
	// Old: that record names it only as the old name of a rename (OldPath).
	Old bool
}

// After reports whether the journal named p later than q: a higher Seq, or
// in the same record (a rename), p as the new name and q as the old. Of two
// spellings of one name, the later is the one the cache has now.
func (p PendingPath) After(q PendingPath) bool {
	return mark{p.Seq, p.Old}.after(mark{q.Seq, q.Old})
}

// PendingPaths calls fn once for each path that a pending record names
// (Path or OldPath), in no particular order, and returns through: the
// LastSeq it read before it looked, or 0 if no record was pending then.
// Every record with Seq <= through is covered, so a Commit(through) after
// syncing the paths reported is right; a path named only by a later record
// may be reported too (it stays pending and is synced again next time).
// AppendNoWait's records are covered only after a Barrier.
//
// It reads the pending-path table, not the records: its cost follows the
// number of distinct paths, however many records name them. If fn returns
// an error PendingPaths stops and returns it (wrapped).
func (j *Journal) PendingPaths(fn func(PendingPath) error) (through uint64, err error) {
	if err := j.enter(); err != nil {
		return 0, fmt.Errorf("pending paths of journal %s: %w", j.dir, err)
	}
	defer j.ops.Done()
	// Before the snapshot, so that the snapshot holds every record up to it.
	through = j.lastSeq.Load()
	// fresh and the stored part as of one moment: storePaths moves one into
	// the other under tableMu.
	j.tableMu.Lock()
	fresh := maps.Clone(j.fresh)
	txn := j.db.NewTransaction(false)
	j.tableMu.Unlock()
	defer txn.Discard()
	if err := j.pendingPaths(txn, &through, fresh, fn); err != nil {
		return 0, fmt.Errorf("pending paths of journal %s: %w", j.dir, err)
	}
	return through, nil
}

// pendingPaths merges the stored part read from txn with fresh.
func (j *Journal) pendingPaths(txn *badger.Txn, through *uint64, fresh pathFold, fn func(PendingPath) error) error {
	synced, err := readWatermark(txn)
	if err != nil {
		return err
	}
	// through at or below the watermark: nothing up to it is pending (0
	// says so), but records committed since it was read may be, and are
	// reported, as later records always may be. Returning nothing here left
	// them out though their paths were in the table's snapshot.
	if *through <= synced {
		*through = 0
	}
	if j.ro {
		// No committer has folded the records after the stored mark (a
		// journal left by a crash, or older than the table): fold them
		// here, in memory; only a writable Open may store them.
		folded, err := readFolded(txn)
		if err != nil {
			return err
		}
		if err := foldRecords(txn, max(folded, synced)+1, func(r Record) error { fresh.add(r); return nil }); err != nil {
			return err
		}
	}
	err = eachMark(txn, func(p string, m mark) error {
		if f, ok := fresh[p]; ok {
			if f.after(m) {
				return nil
			}
			delete(fresh, p)
		}
		if m.seq <= synced {
			return nil // synced; a crash kept it from Commit's cleanup
		}
		return fn(PendingPath{Path: p, Seq: m.seq, Old: m.old})
	})
	if err != nil {
		return err
	}
	ps := make([]string, 0, len(fresh))
	for p, m := range fresh {
		if m.seq > synced {
			ps = append(ps, p)
		}
	}
	sort.Strings(ps)
	for _, p := range ps {
		if err := fn(PendingPath{Path: p, Seq: fresh[p].seq, Old: fresh[p].old}); err != nil {
			return err
		}
	}
	return nil
}

// eachMark calls fn for every entry of the table, in path order.
func eachMark(txn *badger.Txn, fn func(string, mark) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(prefixPath)
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		p := pathFromPathKey(item.Key())
		var m mark
		err := item.Value(func(v []byte) error {
			var e error
			m, e = decodeMark(v)
			return e
		})
		if err != nil {
			return fmt.Errorf("pending path %q: %w", p, err)
		}
		if err := fn(p, m); err != nil {
			return err
		}
	}
	return nil
}

// foldRecords calls fn for every record in txn with Seq >= from.
func foldRecords(txn *badger.Txn, from uint64, fn func(Record) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(prefixRecord)
	opts.PrefetchSize = 256
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Seek(recordKey(from)); it.Valid(); it.Next() {
		r, err := readRecord(it.Item())
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// foldTail brings the table up to LastSeq at Open: it folds in the records
// above the mark that are not synced, in chunks of one transaction each, and
// returns how many it folded. Each chunk moves the mark to its last record,
// so a crash midway resumes where it stopped; entries are only ever raised,
// so folding a record twice is harmless.
func (j *Journal) foldTail() (int, error) {
	snap := j.db.NewTransaction(false)
	defer snap.Discard()
	synced, err := readWatermark(snap)
	if err != nil {
		return 0, err
	}
	folded, err := readFolded(snap)
	if err != nil {
		return 0, err
	}
	last := j.lastSeq.Load()
	if folded >= last {
		j.folded = folded
		return 0, nil
	}
	budget := j.db.MaxBatchSize() / 2
	f, size, n := pathFold{}, int64(0), 0
	flush := func(through uint64) error {
		err := j.db.Update(func(txn *badger.Txn) error {
			if err := f.write(txn, true); err != nil {
				return err
			}
			return setFolded(txn, through)
		})
		clear(f)
		size = 0
		return err
	}
	err = foldRecords(snap, max(folded, synced)+1, func(r Record) error {
		if size > budget {
			if err := flush(r.Seq - 1); err != nil {
				return err
			}
		}
		size += f.add(r)
		n++
		return nil
	})
	if err == nil {
		err = flush(last)
	}
	if err != nil {
		return 0, fmt.Errorf("fold pending paths: %w", err)
	}
	j.folded = last
	return n, nil
}

// maybeStorePaths runs in the committer after a group was written.
func (j *Journal) maybeStorePaths() {
	j.tableMu.Lock()
	due := len(j.fresh) >= storeMaxPaths || j.lastSeq.Load()-j.folded >= storeMaxRecords
	j.tableMu.Unlock()
	if !due {
		return
	}
	if err := j.storePaths(); err != nil {
		// fresh stays, and so do the records; the next group tries again.
		j.log.Warn("pending paths not stored yet", zap.Error(err))
	}
}

// storePaths writes fresh into badger with the mark at LastSeq, and empties
// it. The entries are written as they are: fresh only holds records after
// the stored mark, which are later than anything stored. A crash midway
// leaves some entries written and the mark where it was, which Open's fold
// completes.
func (j *Journal) storePaths() error {
	j.tableMu.Lock()
	defer j.tableMu.Unlock()
	// Every record up to lastSeq is committed, and its paths are in fresh
	// or stored (lastSeq moves after the commit).
	last := j.lastSeq.Load()
	if len(j.fresh) == 0 && last == j.folded {
		return nil
	}
	w := chunkWriter{db: j.db}
	defer w.discard()
	for p, m := range j.fresh {
		if err := w.set(badger.NewEntry(pathKey(p), encodeMark(m))); err != nil {
			return fmt.Errorf("store pending path %q: %w", p, err)
		}
	}
	if err := w.set(badger.NewEntry([]byte(tableMarkKey), encodeUint64(last))); err != nil {
		return fmt.Errorf("store pending paths: %w", err)
	}
	if err := w.commit(); err != nil {
		return fmt.Errorf("store pending paths: %w", err)
	}
	clear(j.fresh)
	j.folded = last
	return nil
}

// prunePaths drops the paths whose latest record is at or below through,
// which Commit has just marked synced: from fresh, and from badger in chunks
// of one transaction. A stored entry at or below through may have a later
// record in fresh; that one stays, and is stored in its turn.
func (j *Journal) prunePaths(through uint64) error {
	j.tableMu.Lock()
	maps.DeleteFunc(j.fresh, func(_ string, m mark) bool { return m.seq <= through })
	j.tableMu.Unlock()
	start := []byte(prefixPath)
	for start != nil {
		var err error
		if start, err = j.pruneChunk(start, through); err != nil {
			return fmt.Errorf("prune pending paths: %w", err)
		}
	}
	return nil
}

// pruneChunk deletes, in one transaction, entries at or below through from
// start on, until the transaction is full; it returns where to go on (nil:
// done).
func (j *Journal) pruneChunk(start []byte, through uint64) ([]byte, error) {
	j.tableMu.Lock()
	defer j.tableMu.Unlock()
	txn := j.db.NewTransaction(true)
	defer txn.Discard()
	next, err := pruneIn(txn, start, through)
	if err != nil {
		return nil, err
	}
	return next, txn.Commit()
}

func pruneIn(txn *badger.Txn, start []byte, through uint64) ([]byte, error) {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(prefixPath)
	it := txn.NewIterator(opts)
	defer it.Close()
	n := 0
	for it.Seek(start); it.Valid(); it.Next() {
		item := it.Item()
		var m mark
		err := item.Value(func(v []byte) error {
			var e error
			m, e = decodeMark(v)
			return e
		})
		if err != nil {
			return nil, fmt.Errorf("pending path %q: %w", pathFromPathKey(item.Key()), err)
		}
		if m.seq > through {
			continue
		}
		k := item.KeyCopy(nil)
		err = txn.Delete(k)
		if errors.Is(err, badger.ErrTxnTooBig) && n > 0 {
			return k, nil
		}
		if err != nil {
			return nil, err
		}
		n++
	}
	return nil, nil
}
