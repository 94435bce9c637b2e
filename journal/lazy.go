package journal

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// Folders not yet materialized (streamed logon with lazy folders, DESIGN.md).
// A streamed logon does not create the contents of a server folder the cache
// lacks entirely: it creates the folder empty and remembers it here, with the
// counts of what lies below it, until the syncer materializes it (creates its
// files as placeholders and its subfolders, each marked in turn) from the
// namespace it kept in the cache's state folder.
//
//	d/<key>  -> encodeUnmaterialized(Unmaterialized)   one per folder not materialized
//
// The key is the caller's name identity of the folder's cache path, as for
// the bases and the fetch marks (f/).
const prefixUnmaterialized = "d/"

func unmaterializedKey(key string) []byte { return []byte(prefixUnmaterialized + key) }

// Unmaterialized is one folder whose contents are not in the cache yet: where
// it is in the cache, where it is on the server (and in the kept namespace),
// and what lies below it, for `roamfs status` and the mass-delete guard.
type Unmaterialized struct {
	Path       string // the cache's spelling of the folder
	ServerPath string // the server's, which names it in the namespace
	Files      int64  // files with data below it (each a placeholder once materialized)
	Bytes      int64  // their bytes
	Entries    int64  // every entry below it
}

const unmaterializedFormat = 1

func encodeUnmaterialized(u Unmaterialized) []byte {
	e := encoder{b: make([]byte, 0, 24+len(u.Path)+len(u.ServerPath))}
	e.byte(unmaterializedFormat)
	e.str(u.Path)
	e.str(u.ServerPath)
	e.varint(u.Files)
	e.varint(u.Bytes)
	e.varint(u.Entries)
	return e.b
}

// decodeUnmaterialized decodes what encodeUnmaterialized wrote; anything else
// gives an error wrapping ErrCorrupt, never a panic.
func decodeUnmaterialized(p []byte) (Unmaterialized, error) {
	d := decoder{b: p}
	if v := d.byte(); d.err == nil && v != unmaterializedFormat {
		return Unmaterialized{}, fmt.Errorf("decode unmaterialized: unknown format %d: %w", v, ErrCorrupt)
	}
	var u Unmaterialized
	u.Path = d.str()
	u.ServerPath = d.str()
	u.Files = d.varint()
	u.Bytes = d.varint()
	u.Entries = d.varint()
	err := d.finish()
	if err == nil && (u.Files < 0 || u.Bytes < 0 || u.Entries < 0) {
		err = fmt.Errorf("negative count")
	}
	if err != nil {
		return Unmaterialized{}, fmt.Errorf("decode unmaterialized: %v: %w", err, ErrCorrupt)
	}
	return u, nil
}

// SetUnmaterialized stores the folder marks in set and forgets those in del
// (a key in both ends up stored), in as many transactions as badger needs. A
// mark is written before its folder is created empty.
func (j *Journal) SetUnmaterialized(set map[string]Unmaterialized, del []string) error {
	return j.writeLazy("record unmaterialized folders", func(w *chunkWriter) error {
		for _, k := range del {
			if _, ok := set[k]; ok {
				continue
			}
			if err := w.delete(unmaterializedKey(k)); err != nil {
				return fmt.Errorf("forget unmaterialized %q: %w", k, err)
			}
		}
		for k, u := range set {
			if err := w.set(badger.NewEntry(unmaterializedKey(k), encodeUnmaterialized(u))); err != nil {
				return fmt.Errorf("record unmaterialized %q: %w", k, err)
			}
		}
		return nil
	})
}

// Materialized records that folder dir was materialized: the bases of what
// was created in it, then, last, the removal of its mark. The fetch marks of
// its placeholders and the marks of its subfolders were written before they
// were created (SetUnfetched, SetUnmaterialized). The writes may span several
// transactions; the mark goes in the last, so a crash midway leaves dir
// marked and its materialization is simply done again.
func (j *Journal) Materialized(dir string, bases map[string]Base) error {
	for p, b := range bases {
		if err := b.validate(); err != nil {
			return fmt.Errorf("materialized %q: base %q: %w", dir, p, err)
		}
	}
	return j.writeLazy("record materialized folder "+dir, func(w *chunkWriter) error {
		for p, b := range bases {
			if err := w.set(badger.NewEntry(baseKey(p), encodeBase(b))); err != nil {
				return fmt.Errorf("base %q: %w", p, err)
			}
		}
		return w.delete(unmaterializedKey(dir))
	})
}

// writeLazy runs write with a chunk writer under the commit lock and commits.
func (j *Journal) writeLazy(what string, write func(w *chunkWriter) error) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer j.ops.Done()
	if err := j.writable(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer j.wrote()
	j.commitMu.Lock()
	defer j.commitMu.Unlock()
	w := chunkWriter{db: j.db}
	defer w.discard()
	if err := write(&w); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := w.commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// EachUnmaterialized calls fn for every folder mark, in key order, from one
// consistent snapshot. fn returning an error stops the walk with it.
func (j *Journal) EachUnmaterialized(fn func(key string, u Unmaterialized) error) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("list unmaterialized folders: %w", err)
	}
	defer j.ops.Done()
	err := j.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefixUnmaterialized)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			key := string(item.Key()[len(prefixUnmaterialized):])
			var u Unmaterialized
			err := item.Value(func(v []byte) error {
				var e error
				u, e = decodeUnmaterialized(v)
				return e
			})
			if err != nil {
				return fmt.Errorf("unmaterialized %q: %w", key, err)
			}
			if err := fn(key, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list unmaterialized folders: %w", err)
	}
	return nil
}
