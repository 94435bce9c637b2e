package journal

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// Scan calls fn for each record in Seq order: every record if all, otherwise
// only the pending ones (Seq > SyncedThrough). Synced is set from the
// watermark of the same snapshot the records come from. If fn returns an
// error Scan stops and returns it (wrapped). fn may call other Journal
// methods, including Append and Commit; records appended meanwhile are not
// part of this scan.
//
// Used by the syncer at logoff (all=false) and by `roamfs journal` (all=true).
// A record that cannot be decoded stops the scan with ErrCorrupt.
func (j *Journal) Scan(all bool, fn func(Record) error) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("scan journal %s: %w", j.dir, err)
	}
	defer j.ops.Done()
	err := j.db.View(func(txn *badger.Txn) error {
		synced, err := readWatermark(txn)
		if err != nil {
			return err
		}
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefixRecord)
		opts.PrefetchSize = 256
		it := txn.NewIterator(opts)
		defer it.Close()
		start := uint64(0)
		if !all {
			start = synced + 1
		}
		n := 0
		for it.Seek(recordKey(start)); it.Valid(); it.Next() {
			n++
			j.trim.scanned(n)
			r, err := readRecord(it.Item())
			if err != nil {
				return err
			}
			r.Synced = r.Seq <= synced
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan journal %s: %w", j.dir, err)
	}
	return nil
}

func readRecord(item *badger.Item) (Record, error) {
	seq, err := seqFromKey(item.Key())
	if err != nil {
		return Record{}, err
	}
	var r Record
	err = item.Value(func(v []byte) error {
		var e error
		r, e = decodeRecord(v)
		return e
	})
	if err != nil {
		return Record{}, fmt.Errorf("record %d: %w", seq, err)
	}
	if r.Seq != seq {
		return Record{}, fmt.Errorf("record %d: holds seq %d: %w", seq, r.Seq, ErrCorrupt)
	}
	return r, nil
}
