package syncer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"go.uber.org/zap"

	"roamfs/store"
)

// Writing a delta of the index and removing the deltas a new base replaced
// (the format and the chain are in index_chain.go).

// orphanDeltaAge is how old a delta file no metadata names must be before a
// compaction removes it: a delta whose logoff lost its metadata write to
// another machine's, or died before it. A younger one may be another
// machine's delta whose metadata is about to be written.
const orphanDeltaAge = time.Hour

// writeDelta writes the delta of the paths in touched on the chain before
// and returns the chain with it; nil and no error when another logoff wrote
// the index while this one ran (the caller walks).
func (s *Syncer) writeDelta(ctx context.Context, before *IndexChain, touched map[string]struct{}) (*indexWrite, error) {
	list, err := s.deltaList(ctx, touched)
	if err != nil {
		return nil, err
	}
	// Just before writing: has another logoff written a generation since
	// this one began? Its changes and ours may interleave.
	if now := s.currentIndexChain(ctx); !sameChain(now, before) {
		return nil, nil
	}
	data, ref := encodeDelta(before, newGeneration(), list)
	rel := deltaPath(ref.Generation)
	// The folder: made for the first delta on a base (stores differ in how
	// a Put into a missing folder fails), and again should it have gone.
	if len(before.Deltas) == 0 {
		err = s.cfg.Store.Mkdir(ctx, IndexDeltaDir, 0o700)
	}
	if err == nil {
		err = s.cfg.Store.Put(ctx, rel, bytes.NewReader(data), 0o600, time.Time{})
	}
	if errors.Is(err, fs.ErrNotExist) {
		if err = s.cfg.Store.Mkdir(ctx, IndexDeltaDir, 0o700); err == nil {
			err = s.cfg.Store.Put(ctx, rel, bytes.NewReader(data), 0o600, time.Time{})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("write profile index delta: %w", err)
	}
	return &indexWrite{chain: before.with(ref)}, nil
}

// deltaList is the server's state of every path in touched (a tombstone for
// one gone) and of the whole top level, in path order.
func (s *Syncer) deltaList(ctx context.Context, touched map[string]struct{}) ([]store.Info, error) {
	recs := map[string]store.Info{}
	for p := range touched {
		if badIndexPath(p) != "" || isTemp(p) {
			continue
		}
		i, err := s.cfg.Store.Stat(ctx, p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			i = store.Info{}
		case err != nil:
			return nil, fmt.Errorf("stat server %s: %w", p, err)
		}
		i.Path = p
		recs[p] = i
	}
	top, err := s.listTop(ctx)
	if err != nil {
		return nil, err
	}
	for p, i := range top {
		i.Path = p
		recs[p] = i
	}
	list := make([]store.Info, 0, len(recs))
	for _, i := range recs {
		list = append(list, i)
	}
	slices.SortFunc(list, func(a, b store.Info) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	return list, nil
}

// dropDeltas removes, best effort, the delta files of replaced once the
// metadata names now, a new base: those of replaced, and orphans older than
// orphanDeltaAge. Nothing when now is replaced with deltas added.
func (s *Syncer) dropDeltas(ctx context.Context, replaced, now *IndexChain) {
	if replaced == nil || now == nil || extendsChain(now, replaced) {
		return
	}
	named := map[string]bool{}
	for _, d := range now.Deltas {
		named[deltaPath(d.Generation)] = true
	}
	removed := 0
	for _, d := range replaced.Deltas {
		if rel := deltaPath(d.Generation); !named[rel] && s.cfg.Store.Remove(ctx, rel) == nil {
			removed++
		}
	}
	var orphans []string
	err := s.cfg.Store.Walk(ctx, IndexDeltaDir, func(i store.Info) error {
		if !named[i.Path] && time.Since(i.MTime) > orphanDeltaAge {
			orphans = append(orphans, i.Path)
		}
		if i.Kind == store.KindDir {
			return fs.SkipDir
		}
		return nil
	})
	for _, rel := range orphans {
		if s.cfg.Store.Remove(ctx, rel) == nil {
			removed++
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Debug("could not list the profile index's deltas", zap.Error(err))
	}
	if removed > 0 {
		s.log.Debug("removed profile index deltas a new base replaced", zap.Int("count", removed))
	}
}
