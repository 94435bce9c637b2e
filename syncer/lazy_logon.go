package syncer

import (
	"slices"

	"roamfs/journal"
)

// lazyPlan is a streamed logon's choice of the folders it leaves
// unmaterialized (lazy.go): every server folder the cache does not hold,
// that no base and no pending change lies at or below, and whose folder is
// itself materialized. Everything the logon table would do below such a
// folder is to create it, so it can be done later, folder by folder.
type lazyPlan struct {
	s       *Syncer
	pd      *pending
	touched map[string]bool   // keys of the cache's entries and the bases, and their ancestors
	ns      *nsBuilder        // what lies below the chosen folders
	roots   map[string]string // the chosen folders: key → server path
	// deferred: the logon kept the index instead of sorting it into ns
	// (lazy_defer.go).
	deferred *deferredNS
}

func newLazyPlan(s *Syncer, pd *pending) *lazyPlan {
	return &lazyPlan{s: s, pd: pd, touched: map[string]bool{}, ns: newNSBuilder(), roots: map[string]string{}}
}

// known takes in what the cache and the bases hold (the view before the
// server is listed).
func (lz *lazyPlan) known(v *view) {
	for k := range v.steps {
		for p := k; p != "" && !lz.touched[p]; p = parentOf(p) {
			lz.touched[p] = true
		}
	}
}

// keep is told of every server entry in listing order (parents first) and
// reports whether it goes to the namespace rather than into the view. A
// chosen folder itself enters the view: the logon creates it, empty.
func (lz *lazyPlan) keep(p string, v Version) bool {
	if lz.ns.below(p) {
		lz.ns.add(p, v)
		return true
	}
	if v.Kind != KindDir {
		return false
	}
	k := lz.s.key(p)
	if lz.touched[k] || lz.pd.covers(k) {
		return false
	}
	// A second spelling of a chosen folder is chosen too, so that neither's
	// entries flood the view; the view finds the clash and leaves both out.
	lz.ns.root(p)
	lz.roots[k] = p
	return false
}

// mark writes the namespace and the marks of the chosen folders the logon
// table creates (a folder whose name clashes is left untouched, and so is
// everything below it), before they are created. It returns what lies below
// them.
func (s *Syncer) markLazy(lz *lazyPlan, v *view) (files int, bytes int64, err error) {
	chosen := map[string]journal.Unmaterialized{}
	var empty map[string]bool
	if lz.deferred != nil {
		empty = map[string]bool{}
	}
	lz.ns.totals()
	for k, sp := range lz.roots {
		st := v.steps[k]
		if st == nil || st.Action != ActDownload || st.Server.Kind != KindDir || v.blocked(k) {
			continue
		}
		g := lz.ns.dirs[sp]
		if lz.deferred != nil {
			if lz.deferred.empty(sp) {
				empty[sp] = true
			}
			t := lz.deferred.totals(sp)
			g = &nsGroup{files: t.Files, bytes: t.Bytes, entries: t.Entries}
			lz.deferred.Roots = append(lz.deferred.Roots, sp)
		}
		chosen[k] = journal.Unmaterialized{Path: st.Path, ServerPath: st.ServerPath, Files: g.files, Bytes: g.bytes, Entries: g.entries}
		files += int(g.files)
		bytes += g.bytes
	}
	s.lazy.mat.Lock()
	s.lazy.empty = empty // this logon's word only
	s.lazy.mat.Unlock()
	if len(chosen) == 0 {
		return 0, 0, nil
	}
	// A materialization reads the file it opened; this logon replaces it.
	s.lazy.mat.Lock()
	defer s.lazy.mat.Unlock()
	if s.lazy.ns != nil {
		s.lazy.ns.close()
		s.lazy.ns = nil
	}
	write := lz.ns.write
	if lz.deferred != nil {
		slices.Sort(lz.deferred.Roots)
		write = lz.deferred.write
	}
	if err := write(s.cfg.NamespaceFile); err != nil {
		return 0, 0, err
	}
	if err := s.cfg.Journal.SetUnmaterialized(chosen, nil); err != nil {
		return 0, 0, err
	}
	for k, u := range chosen {
		s.lazy.put(k, u)
	}
	return files, bytes, nil
}
