package journal

import (
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// Meta returns the metadata value stored under key (e.g. "session"); ok is
// false if there is none. The watermark is readable as "synced" (8 bytes,
// big-endian), but SyncedThrough is the way to read it.
func (j *Journal) Meta(key string) (val []byte, ok bool, err error) {
	if err := j.enter(); err != nil {
		return nil, false, fmt.Errorf("read journal meta %q: %w", key, err)
	}
	defer j.ops.Done()
	err = j.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		val, err = item.ValueCopy(nil)
		ok = err == nil
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("read journal meta %q: %w", key, err)
	}
	return val, ok, nil
}

// SetMeta durably stores a small metadata value under key. A nil or empty val
// is stored as empty (Meta then reports ok). The key "synced" is reserved
// for the watermark, which only Commit may move.
func (j *Journal) SetMeta(key string, val []byte) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("set journal meta %q: %w", key, err)
	}
	defer j.ops.Done()
	if err := j.writable(); err != nil {
		return fmt.Errorf("set journal meta %q: %w", key, err)
	}
	defer j.wrote()
	if key == "" || key == metaSynced {
		return fmt.Errorf("set journal meta %q: reserved or empty key", key)
	}
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	err := j.db.Update(func(txn *badger.Txn) error {
		return txn.Set(metaKey(key), append([]byte{}, val...))
	})
	if err != nil {
		return fmt.Errorf("set journal meta %q: %w", key, err)
	}
	return nil
}
