package syncer

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/journal"
	"roamfs/policy"
)

// PlanLogoff gathers every path with journaled intent (a touched directory with
// its subtree, locally and in the base) and decides each one. It reads the
// server but changes nothing.
func (s *Syncer) PlanLogoff(ctx context.Context) (*Plan, error) {
	if s.cfg.Policy.MergeMode == policy.MergeModeMirror {
		return s.PlanFull(ctx, time.Time{})
	}
	pd, err := s.loadPending()
	if err != nil {
		return nil, err
	}
	s.names.Reset()
	s.lnames.Reset()
	// Nothing changes the cache while a plan is made: its folders stay open
	// for the whole plan, and paths are taken in order so they share them.
	sc := s.local.newStatCache()
	defer sc.close()
	touched := make([]string, 0, len(pd.spelling))
	for _, p := range pd.spelling {
		touched = append(touched, p)
	}
	sort.Strings(touched)
	cand := map[string]string{} // key → cache spelling
	for _, p := range touched {
		if err := s.expand(sc, p, cand); err != nil {
			return nil, err
		}
	}
	plan := &Plan{Through: pd.through}
	keys := make([]string, 0, len(cand))
	for k := range cand {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st, err := s.decideLogoffPath(ctx, sc, cand[k])
		if err != nil {
			return nil, err
		}
		if st.Intent != IntentNone {
			plan.Steps = append(plan.Steps, st)
		}
	}
	return plan, s.checkMassDelete(plan, func() (int, error) {
		// What lies below the folders not yet materialized is the
		// server's too, though it has no bases yet (lazy.go).
		_, _, lazy := s.lazy.counts()
		total := int(lazy)
		err := s.cfg.Journal.Bases("", func(string, journal.Base) error { total++; return nil })
		return total, err
	})
}

func (s *Syncer) expand(sc *statCache, p string, cand map[string]string) error {
	if !s.roams(p) {
		return nil
	}
	cand[s.key(p)] = p
	v, err := sc.stat(p)
	if err != nil {
		return fmt.Errorf("stat cache %s: %w", p, err)
	}
	if v.Kind == KindDir {
		err := s.local.walkNames(p, func(c string) error {
			if !s.roams(c) {
				return fs.SkipDir
			}
			cand[s.key(c)] = c
			return nil
		})
		if err != nil {
			return fmt.Errorf("walk cache %s: %w", p, err)
		}
	}
	return s.cfg.Journal.Bases(s.key(p), func(k string, _ journal.Base) error {
		if _, ok := cand[k]; ok || !s.roams(k) {
			return nil
		}
		// Known to the base and not found under p: look it up in the cache
		// by name identity, so "appdata/x" does not read as a deletion of
		// "AppData/x".
		lp, clash := s.localPath(k)
		if clash {
			s.log.Warn("the cache spells this path twice, differing only in case; left untouched",
				zap.Int("event_id", event.CaseClash), zap.String("path", k))
			return nil
		}
		cand[k] = lp
		return nil
	})
}

func (s *Syncer) decideLogoffPath(ctx context.Context, sc *statCache, p string) (Step, error) {
	st := Step{Path: p}
	sp, clash, err := s.serverPath(ctx, p)
	if err != nil {
		return st, err
	}
	if clash {
		s.log.Warn("the server spells this path twice, differing only in case; left untouched",
			zap.Int("event_id", event.CaseClash), zap.String("path", p))
		st.Decision = Decision{ActNothing, "names differing only in case on the server: left untouched"}
		return st, nil
	}
	st.ServerPath = sp
	b, ok, err := s.cfg.Journal.Base(s.key(p))
	if err != nil {
		return st, fmt.Errorf("base of %s: %w", p, err)
	}
	st.Base = fromBase(b, ok)
	if st.Local, err = sc.stat(p); err != nil {
		return st, fmt.Errorf("stat cache %s: %w", p, err)
	}
	if st.Server, err = s.serverStat(ctx, sp); err != nil {
		return st, err
	}
	if st.Local.Kind == KindOther {
		st.Intent, st.Decision = IntentNone, Decision{ActNothing, "special file: does not roam"}
		return st, nil
	}
	if s.isPlaceholder(s.key(p), st.Local) {
		// The invariant of the streamed logon: a placeholder's zeros are
		// never uploaded (Logoff fetched every one it could first).
		st.Intent, st.Decision = IntentNone, Decision{ActNothing, "not yet fetched: a placeholder is never uploaded"}
		return st, nil
	}
	st.Intent = IntentOf(st.Base, st.Local)
	st.Decision = s.decideWithIntent(st)
	return st, nil
}
