package journal

import (
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// Commit is phase 2 of a logoff, called by the syncer once every record with
// Seq <= through has been applied to the server. It stores (or replaces) the
// bases in set, deletes the bases in del (a path in both ends up deleted),
// and then raises the watermark to through; it never lowers it.
//
// set and del may be large (a whole profile, 10^5 paths): they are written in
// as many transactions as badger's size limit needs, and the watermark goes
// in its own transaction after all of them. A crash midway therefore leaves
// some bases new and the watermark unchanged, so the next sync replays the
// same records against the same server state — safe, because replay is
// idempotent.
//
// The pending-path entries of the records it marks synced go after the
// watermark (pending.go); an entry that a record after through touched stays.
//
// through must not exceed LastSeq: a watermark ahead of the journal would
// count records not yet written as synced. Commit is serialised with
// SetBases and SetMeta; it may run concurrently with Append.
func (j *Journal) Commit(through uint64, set map[string]Base, del []string) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("commit journal %s: %w", j.dir, err)
	}
	defer j.ops.Done()
	if err := j.writable(); err != nil {
		return fmt.Errorf("commit journal %s: %w", j.dir, err)
	}
	defer j.wrote()
	if last := j.lastSeq.Load(); through > last {
		return fmt.Errorf("commit journal %s through %d: beyond last record %d", j.dir, through, last)
	}
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	if err := j.writeBases(set, del); err != nil {
		return fmt.Errorf("commit journal %s: %w", j.dir, err)
	}
	if through <= j.synced.Load() {
		return nil
	}
	err := j.db.Update(func(txn *badger.Txn) error {
		return txn.Set(metaKey(metaSynced), encodeUint64(through))
	})
	if err != nil {
		return fmt.Errorf("commit journal %s: watermark %d: %w", j.dir, through, err)
	}
	j.synced.Store(through)
	// After the watermark: an entry a crash or a failure here leaves behind
	// is at or below it, which PendingPaths ignores and the next Commit
	// deletes; one deleted before the watermark moved would lose a pending
	// path. So a failure here does not fail the commit.
	if err := j.prunePaths(through); err != nil {
		j.log.Warn("synced paths left in the pending-path table until the next commit", zap.Error(err))
	}
	return nil
}

// SetBases stores the bases in set and deletes those in del, like Commit but
// without touching the watermark. The logon merge uses it for the paths it
// downloads or deletes. Large maps are chunked; a crash midway keeps some of
// the changes, which is why the caller must write the cache file before its
// base.
func (j *Journal) SetBases(set map[string]Base, del []string) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("set bases in journal %s: %w", j.dir, err)
	}
	defer j.ops.Done()
	if err := j.writable(); err != nil {
		return fmt.Errorf("set bases in journal %s: %w", j.dir, err)
	}
	defer j.wrote()
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	if err := j.writeBases(set, del); err != nil {
		return fmt.Errorf("set bases in journal %s: %w", j.dir, err)
	}
	return nil
}

// writeBases validates everything first, so a bad entry writes nothing, and
// then writes the changes in consecutive transactions, each as large as
// badger's size limit allows. Deletes go after sets. One transaction at a time
// (rather than a WriteBatch, which keeps up to 16 in flight) bounds the memory
// a whole-profile commit needs to one transaction's worth.
func (j *Journal) writeBases(set map[string]Base, del []string) error {
	if len(set) == 0 && len(del) == 0 {
		return nil
	}
	for p, b := range set {
		if err := b.validate(); err != nil {
			return fmt.Errorf("base %q: %w", p, err)
		}
	}
	w := chunkWriter{db: j.db}
	defer w.discard()
	for p, b := range set {
		if err := w.set(badger.NewEntry(baseKey(p), encodeBase(b))); err != nil {
			return fmt.Errorf("base %q: %w", p, err)
		}
	}
	for _, p := range del {
		if err := w.delete(baseKey(p)); err != nil {
			return fmt.Errorf("delete base %q: %w", p, err)
		}
	}
	return w.commit()
}

// chunkWriter spreads writes over as many transactions as badger's size
// limit requires, committing each when the next write no longer fits.
type chunkWriter struct {
	db  *badger.DB
	txn *badger.Txn
	n   int
}

func (w *chunkWriter) set(e *badger.Entry) error {
	return w.do(func(txn *badger.Txn) error { return txn.SetEntry(e) })
}

func (w *chunkWriter) delete(k []byte) error {
	return w.do(func(txn *badger.Txn) error { return txn.Delete(k) })
}

func (w *chunkWriter) do(op func(*badger.Txn) error) error {
	if w.txn == nil {
		w.txn = w.db.NewTransaction(true)
	}
	err := op(w.txn)
	if errors.Is(err, badger.ErrTxnTooBig) && w.n > 0 {
		if err = w.commit(); err != nil {
			return err
		}
		w.txn = w.db.NewTransaction(true)
		err = op(w.txn)
	}
	if err == nil {
		w.n++
	}
	return err
}

func (w *chunkWriter) commit() error {
	if w.txn == nil {
		return nil
	}
	err := w.txn.Commit()
	w.txn, w.n = nil, 0
	return err
}

func (w *chunkWriter) discard() {
	if w.txn != nil {
		w.txn.Discard()
	}
}

func readWatermark(txn *badger.Txn) (uint64, error) {
	item, err := txn.Get(metaKey(metaSynced))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read watermark: %w", err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return 0, fmt.Errorf("read watermark: %w", err)
	}
	return decodeUint64("watermark", v)
}
