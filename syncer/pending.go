package syncer

import (
	"fmt"
	"path"

	"roamfs/journal"
)

// pending is the set of paths with journaled, unsynced intent. A touched
// directory (created, renamed) covers its whole subtree.
type pending struct {
	through  uint64
	paths    map[string]bool   // by key
	spelling map[string]string // key → the cache's spelling
	above    map[string]bool   // every proper ancestor of a key in paths; built on first use
}

func (s *Syncer) loadPending() (*pending, error) {
	pd := &pending{paths: map[string]bool{}, spelling: map[string]string{}}
	// A release's record is handed over without waiting (AppendNoWait): a
	// file closed just before this plan must be in it, not pending after it.
	if err := s.cfg.Journal.Barrier(); err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	// The journal keeps the paths folded as the records go in: this costs
	// one entry per distinct path, however many records name it.
	latest := map[string]journal.PendingPath{} // key → its latest spelling
	through, err := s.cfg.Journal.PendingPaths(func(pp journal.PendingPath) error {
		k := s.key(pp.Path)
		// Spellings of one key: the later wins, so a rename that changes
		// only case leaves the key spelled as the cache now has it.
		if cur, ok := latest[k]; !ok || pp.After(cur) {
			latest[k] = pp
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	pd.through = through
	for k, pp := range latest {
		pd.paths[k] = true
		pd.spelling[k] = pp.Path
	}
	return pd, nil
}

// covers reports whether key k or one of its ancestors has a pending change, or
// rel is an ancestor of one (a directory holding pending work is never removed).
func (pd *pending) covers(rel string) bool { // rel is a key
	for p := rel; p != "." && p != ""; p = path.Dir(p) {
		if pd.paths[p] {
			return true
		}
	}
	if pd.above == nil {
		// Built once: a logon asks for every path of the profile, and a scan
		// of every pending path per question grew with their product.
		pd.above = map[string]bool{}
		for p := range pd.paths {
			for d := path.Dir(p); d != "." && d != "/" && !pd.above[d]; d = path.Dir(d) {
				pd.above[d] = true
			}
		}
	}
	return pd.above[rel]
}
