package syncer

import (
	"errors"
	"maps"
	"path"
	"slices"
	"strings"

	"roamfs/journal"
)

// LazyFiles calls fn with every file that lies below a folder this session
// has not materialized yet (lazy.go), by its cache path and the version the
// namespace keeps: what the folder will hold once materialized. It reads the
// namespace only and materializes nothing (a listing must not turn a
// streamed profile into a copied one). A folder materialized meanwhile may
// be listed twice, from the cache and here.
func (s *Syncer) LazyFiles(fn func(p string, v Version)) error {
	if s.lazy.n.Load() > 0 {
		// A namespace the logon deferred is built first (lazy_defer.go).
		s.lazy.mat.Lock()
		_, err := s.namespaceLocked()
		s.lazy.mat.Unlock()
		if err != nil {
			return err
		}
	}
	s.lazy.mu.Lock()
	marks := maps.Clone(s.lazy.m)
	s.lazy.mu.Unlock()
	return listLazy(s.cfg.NamespaceFile, marks, fn)
}

// LazyFiles is Syncer.LazyFiles for a cache without a session: the folder
// marks from its journal j, the namespace from nsFile.
func LazyFiles(j *journal.Journal, nsFile string, fn func(p string, v Version)) error {
	marks := map[string]journal.Unmaterialized{}
	err := j.EachUnmaterialized(func(k string, u journal.Unmaterialized) error {
		marks[k] = u
		return nil
	})
	if err != nil {
		return err
	}
	return listLazy(nsFile, marks, fn)
}

func listLazy(nsFile string, marks map[string]journal.Unmaterialized, fn func(p string, v Version)) error {
	if len(marks) == 0 || nsFile == "" {
		return nil
	}
	ns, err := openNamespace(nsFile)
	if errors.Is(err, errNSDeferred) {
		ns, err = deferredNamespace(nsFile)
	}
	if err != nil {
		return err
	}
	defer ns.close()
	roots := slices.Collect(maps.Values(marks))
	slices.SortFunc(roots, func(a, b journal.Unmaterialized) int { return strings.Compare(a.Path, b.Path) })
	var walk func(cp, sp string) error
	walk = func(cp, sp string) error {
		ents, err := ns.list(sp)
		if err != nil {
			return err
		}
		for _, e := range ents {
			c, sv := path.Join(cp, e.name), path.Join(sp, e.name)
			switch e.v.Kind {
			case KindDir:
				if err := walk(c, sv); err != nil {
					return err
				}
			case KindFile:
				fn(c, e.v)
			}
		}
		return nil
	}
	var last string
	for _, r := range roots {
		// A mark below another mark is listed with it (marks are disjoint
		// after a materialization, but a crash may leave both).
		if last != "" && strings.HasPrefix(r.Path, last+"/") {
			continue
		}
		last = r.Path
		if err := walk(r.Path, r.ServerPath); err != nil {
			return err
		}
	}
	return nil
}
