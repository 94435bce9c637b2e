package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// The pending-path table. A logoff needs the set of paths the pending records
// name, not the records: a session that saved one document a thousand times
// changed one path. Reading that set from the records costs a decode per
// record (about 6 µs: a million-record logoff spent 9 s in it against 1.6 s
// for a hundred thousand), so the journal keeps it folded as the records go
// in: p/<path> holds the highest Seq of a record naming path, written in the
// same badger transaction as that record. The table therefore never holds a
// path without its record, nor a record without its path, whatever a crash
// cuts off.
//
// m/folded is the table's high mark: every record with Seq <= it is in the
// table. The committer raises it with every record transaction; a journal
// written before the table existed has none (0), and Open folds the records
// above it in (foldTail), resumably: each chunk of the fold moves the mark in
// its own transaction. A write-ahead recovery that puts back a record below
// the mark first lowers the mark, so the same fold covers it.
//
// Commit deletes the entries it marks synced (prunePaths). An entry at or
// below the watermark that a crash left behind is ignored by PendingPaths
// and removed by the next Commit.

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
	item, err := txn.Get(metaKey(metaFolded))
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
	return txn.Set(metaKey(metaFolded), encodeUint64(seq))
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
	err = j.db.View(func(txn *badger.Txn) error {
		synced, err := readWatermark(txn)
		if err != nil {
			return err
		}
		if through <= synced {
			through = 0
			return nil
		}
		folded, err := readFolded(txn)
		if err != nil {
			return err
		}
		// Records above the mark: a journal opened read-only that no
		// writable Open has folded yet.
		tail := pathFold{}
		if folded < through {
			if err := foldRecords(txn, max(folded, synced)+1, func(r Record) error { tail.add(r); return nil }); err != nil {
				return err
			}
		}
		if err := eachMark(txn, func(p string, m mark) error {
			if m.seq <= synced {
				return nil // synced; a crash kept it from Commit's cleanup
			}
			if t, ok := tail[p]; ok {
				if t.after(m) {
					return nil
				}
				delete(tail, p)
			}
			return fn(PendingPath{Path: p, Seq: m.seq, Old: m.old})
		}); err != nil {
			return err
		}
		ps := make([]string, 0, len(tail))
		for p := range tail {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		for _, p := range ps {
			if err := fn(PendingPath{Path: p, Seq: tail[p].seq, Old: tail[p].old}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pending paths of journal %s: %w", j.dir, err)
	}
	return through, nil
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
	return n, nil
}

// prunePaths deletes the entries of records up to through, which Commit has
// just marked synced. An entry a record after through has raised stays: the
// committer's writes and these deletes are ordered by tableMu, so a delete
// never removes an entry it has not seen.
func (j *Journal) prunePaths(through uint64) error {
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
