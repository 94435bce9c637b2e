package journal

import (
	"errors"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// Base returns the base version of path; ok is false if it has none.
func (j *Journal) Base(path string) (b Base, ok bool, err error) {
	if err := j.enter(); err != nil {
		return Base{}, false, fmt.Errorf("read base %q: %w", path, err)
	}
	defer j.ops.Done()
	err = j.db.View(func(txn *badger.Txn) error {
		var e error
		b, ok, e = getBase(txn, path)
		return e
	})
	if err != nil {
		return Base{}, false, fmt.Errorf("read base %q: %w", path, err)
	}
	return b, ok, nil
}

func getBase(txn *badger.Txn, path string) (Base, bool, error) {
	item, err := txn.Get(baseKey(path))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Base{}, false, nil
	}
	if err != nil {
		return Base{}, false, err
	}
	var b Base
	err = item.Value(func(v []byte) error {
		var e error
		b, e = decodeBase(v)
		return e
	})
	return b, err == nil, err
}

// Bases calls fn, in path (byte) order, for the base of prefix itself and of
// every path under prefix + "/" — "a/b" covers "a/b" and "a/b/c" but not
// "a/bc". prefix "" covers every base; a trailing "/" on prefix is ignored.
// If fn returns an error, Bases stops and returns it (wrapped). The iteration
// sees one consistent snapshot; fn may call other Journal methods.
func (j *Journal) Bases(prefix string, fn func(path string, b Base) error) error {
	if err := j.enter(); err != nil {
		return fmt.Errorf("list bases %q: %w", prefix, err)
	}
	defer j.ops.Done()
	prefix = strings.TrimRight(prefix, "/")
	err := j.db.View(func(txn *badger.Txn) error {
		under := prefixBase
		if prefix != "" {
			// The prefix itself sorts before its children but not next to
			// them ("a/b!" lies between "a/b" and "a/b/"), so it is a Get.
			b, ok, err := getBase(txn, prefix)
			if err != nil {
				return err
			}
			if ok {
				if err := fn(prefix, b); err != nil {
					return err
				}
			}
			under = prefixBase + prefix + "/"
		}
		return iterBases(txn, []byte(under), j.trim, fn)
	})
	if err != nil {
		return fmt.Errorf("list bases %q: %w", prefix, err)
	}
	return nil
}

func iterBases(txn *badger.Txn, prefix []byte, trim *mapTrimmer, fn func(string, Base) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	opts.PrefetchSize = 64
	it := txn.NewIterator(opts)
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		n++
		trim.scanned(n)
		item := it.Item()
		path := pathFromBaseKey(item.Key())
		var b Base
		err := item.Value(func(v []byte) error {
			var e error
			b, e = decodeBase(v)
			return e
		})
		if err != nil {
			return fmt.Errorf("base %q: %w", path, err)
		}
		if err := fn(path, b); err != nil {
			return err
		}
	}
	return nil
}
