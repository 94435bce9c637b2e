package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"roamfs/journal"
	"roamfs/store"
)

// A pull from the index's deltas: the chain the last pull read has had
// deltas added (other machines' write-back rounds, or this one's). Their
// paths are the candidates, each compared with its base as pullListing
// compares every path, and so is what lay under a path a delta says is gone
// or no longer a folder, and under a top-level entry the delta's top level
// lacks (index_chain.go's rules for applying a delta). The live top level is
// checked against the newest delta's as a logon checks it against the
// index; any doubt about a delta, or a top level that differs, and the pull
// lists the whole namespace instead.

// pullDeltas puts into cands what the deltas of now after ps.chain change,
// and returns now's top level. ok is false when the deltas cannot be used.
func (s *Syncer) pullDeltas(ctx context.Context, ps *PullState, now *IndexChain, cands map[string]serverEntry) ([]string, bool, error) {
	deltas, err := s.readDeltas(ctx, now, len(ps.chain.Deltas))
	if errors.Is(err, errDistrust) {
		return nil, false, nil // the full listing distrusts it too, and walks
	}
	if err != nil {
		return nil, false, err
	}
	live, err := s.listTop(ctx)
	if err != nil {
		return nil, false, err
	}
	if s.topDiffers(topOf(deltas[len(deltas)-1]).list, live) != "" {
		return nil, false, nil
	}
	if v := s.ix.verifiedChain(); extendsChain(now, v) {
		s.ix.setVerified(now)
	}
	over := map[string]serverEntry{} // by key; the zero entry: gone
	top := ps.top
	for _, d := range deltas {
		listed := map[string]bool{}
		for _, i := range d {
			if parentOf(i.Path) == "" && i.Kind != store.KindNone {
				listed[i.Path] = true
			}
		}
		for _, p := range top {
			if !listed[p] {
				if err := s.goneUnder(p, over); err != nil {
					return nil, false, err
				}
				over[s.key(p)] = serverEntry{}
			}
		}
		for _, i := range d {
			if i.Kind != store.KindDir {
				if err := s.goneUnder(i.Path, over); err != nil {
					return nil, false, err
				}
			}
		}
		for _, i := range d {
			over[s.key(i.Path)] = s.deltaEntry(i)
		}
		top = top[:0:0]
		for p := range listed {
			top = append(top, p)
		}
	}
	for k, sv := range over {
		if err := s.pullCandidate(k, sv, cands); err != nil {
			return nil, false, err
		}
	}
	return top, true, nil
}

// goneUnder marks as gone everything under p (not p itself) that this cache
// has a base of or an earlier delta listed.
func (s *Syncer) goneUnder(p string, over map[string]serverEntry) error {
	k := s.key(p)
	for o := range over {
		if strings.HasPrefix(o, k+"/") {
			over[o] = serverEntry{}
		}
	}
	err := s.cfg.Journal.Bases(k, func(b string, _ journal.Base) error {
		if b != k {
			over[b] = serverEntry{}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read bases under %s: %w", p, err)
	}
	return nil
}

// deltaEntry is a delta's record as a pull candidate: gone for a tombstone
// and for an entry the logon would refuse, or one under a folder it would
// (as a walk or the index leave them out).
func (s *Syncer) deltaEntry(i store.Info) serverEntry {
	if i.Kind == store.KindNone || !s.acceptServerEntry(i, false) {
		return serverEntry{}
	}
	for d := parentOf(i.Path); d != ""; d = parentOf(d) {
		if s.refuseServerEntry(store.Info{Path: d, Kind: store.KindDir}) != "" {
			return serverEntry{}
		}
	}
	return serverEntry{path: i.Path, v: fromStoreInfo(i)}
}

// pullCandidate puts sv into cands when it differs from the base of k, as
// pullListing decides for every path.
func (s *Syncer) pullCandidate(k string, sv serverEntry, cands map[string]serverEntry) error {
	if !s.roams(k) || (parentOf(k) == "" && s.cfg.Policy.IsHive(k)) {
		return nil
	}
	b, ok, err := s.cfg.Journal.Base(k)
	if err != nil {
		return fmt.Errorf("base of %s: %w", k, err)
	}
	switch {
	case !ok && !sv.v.Present():
		return nil // neither here nor there
	case ok && sv.v.Present():
		if at := s.atServer(Step{Base: fromBase(b, true), Server: sv.v}); at.Base.Same(at.Server) {
			return nil
		}
	}
	cands[k] = sv
	return nil
}
