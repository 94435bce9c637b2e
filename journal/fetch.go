package journal

import (
	"fmt"
	"math"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Files not yet fetched (streamed logon, DESIGN.md). A streamed logon puts a
// placeholder in the cache for a server file instead of its data: a sparse
// file of the server's size, mode and mtime. The journal remembers each such
// path durably, so that neither a logoff nor the next logon after a crash
// ever takes a placeholder's zeros for the user's data, and so that a killed
// daemon's successor knows what is still to be fetched.
//
//	f/<key>  -> encodeUnfetched(Unfetched)   one per placeholder in the cache
//
// The key is the caller's name identity of the path (the syncer's Windows
// name key), like the keys of the bases.
const prefixUnfetched = "f/"

func unfetchedKey(key string) []byte { return []byte(prefixUnfetched + key) }

// Unfetched is one placeholder: where it is in the cache, where its data is
// on the server, and the server version it stands for. A placeholder is
// still one only while the cache file's size, mtime and mode equal these: a
// file that differs holds data the user wrote.
type Unfetched struct {
	Path       string // the cache's spelling of the path now (a rename moves it)
	ServerPath string // where the data is read from
	Size       int64
	MTime      time.Time
	Mode       uint32 // POSIX permission bits, as bases keep them
}

const unfetchedFormat = 1

func encodeUnfetched(u Unfetched) []byte {
	e := encoder{b: make([]byte, 0, 32+len(u.Path)+len(u.ServerPath))}
	e.byte(unfetchedFormat)
	e.str(u.Path)
	e.str(u.ServerPath)
	e.varint(u.Size)
	e.time(u.MTime)
	e.uvarint(uint64(u.Mode))
	return e.b
}

// decodeUnfetched decodes what encodeUnfetched wrote; anything else gives an
// error wrapping ErrCorrupt, never a panic.
func decodeUnfetched(p []byte) (Unfetched, error) {
	d := decoder{b: p}
	if v := d.byte(); d.err == nil && v != unfetchedFormat {
		return Unfetched{}, fmt.Errorf("decode unfetched: unknown format %d: %w", v, ErrCorrupt)
	}
	var u Unfetched
	u.Path = d.str()
	u.ServerPath = d.str()
	u.Size = d.varint()
	u.MTime = d.time()
	mode := d.uvarint()
	err := d.finish()
	if err == nil && (mode > math.MaxUint32 || u.Size < 0) {
		err = fmt.Errorf("mode %d or size %d out of range", mode, u.Size)
	}
	if err != nil {
		return Unfetched{}, fmt.Errorf("decode unfetched: %v: %w", err, ErrCorrupt)
	}
	u.Mode = uint32(mode)
	return u, nil
}

// SetUnfetched stores the placeholders in set and forgets those in del (a key
// in both ends up stored), in as many transactions as badger needs; a crash
// midway keeps some of them. Callers order their writes so that either state
// is safe: a mark is written before its placeholder exists and removed only
// after the placeholder holds data (or is gone).
func (j *Journal) SetUnfetched(set map[string]Unfetched, del []string) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("record unfetched files: %w", err)
	}
	defer j.ops.Done()
	if err := j.writable(); err != nil {
		return fmt.Errorf("record unfetched files: %w", err)
	}
	defer j.wrote()
	if len(set) == 0 && len(del) == 0 {
		return nil
	}
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	w := chunkWriter{db: j.db}
	defer w.discard()
	for _, k := range del {
		if _, ok := set[k]; ok {
			continue
		}
		if err := w.delete(unfetchedKey(k)); err != nil {
			return fmt.Errorf("forget unfetched %q: %w", k, err)
		}
	}
	for k, u := range set {
		if err := w.set(badger.NewEntry(unfetchedKey(k), encodeUnfetched(u))); err != nil {
			return fmt.Errorf("record unfetched %q: %w", k, err)
		}
	}
	if err := w.commit(); err != nil {
		return fmt.Errorf("record unfetched files: %w", err)
	}
	return nil
}

// EachUnfetched calls fn for every placeholder, in key order, from one
// consistent snapshot. fn returning an error stops the walk with it.
func (j *Journal) EachUnfetched(fn func(key string, u Unfetched) error) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("list unfetched files: %w", err)
	}
	defer j.ops.Done()
	err := j.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefixUnfetched)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			key := string(item.Key()[len(prefixUnfetched):])
			var u Unfetched
			err := item.Value(func(v []byte) error {
				var e error
				u, e = decodeUnfetched(v)
				return e
			})
			if err != nil {
				return fmt.Errorf("unfetched %q: %w", key, err)
			}
			if err := fn(key, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list unfetched files: %w", err)
	}
	return nil
}

// CountUnfetched is how many placeholders there are and the bytes they
// stand for (what `roamfs status` shows as not yet local).
func (j *Journal) CountUnfetched() (files int, bytes int64, err error) {
	err = j.EachUnfetched(func(_ string, u Unfetched) error {
		files++
		bytes += u.Size
		return nil
	})
	return files, bytes, err
}
