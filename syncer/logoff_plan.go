package syncer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"roamfs/journal"
	"roamfs/policy"
)

// Step is one path's decision with the inputs that led to it.
type Step struct {
	Path   string
	Intent Intent
	Decision
	Base, Server, Local Version
}

// Plan is what a logoff will do: the steps and the journal position they cover.
type Plan struct {
	Through uint64
	Steps   []Step
}

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
	cand := map[string]bool{}
	for p := range pd.paths {
		if err := s.expand(p, cand); err != nil {
			return nil, err
		}
	}
	plan := &Plan{Through: pd.through}
	names := make([]string, 0, len(cand))
	for p := range cand {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		st, err := s.decideLogoffPath(ctx, p)
		if err != nil {
			return nil, err
		}
		if st.Intent != IntentNone {
			plan.Steps = append(plan.Steps, st)
		}
	}
	return plan, nil
}

func (s *Syncer) expand(p string, cand map[string]bool) error {
	if !s.roams(p) {
		return nil
	}
	cand[p] = true
	v, err := s.local.stat(p)
	if err != nil {
		return fmt.Errorf("stat cache %s: %w", p, err)
	}
	if v.Kind == KindDir {
		err := s.local.walk(p, func(c string, _ Version) error {
			if !s.roams(c) {
				return fs.SkipDir
			}
			cand[c] = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("walk cache %s: %w", p, err)
		}
	}
	return s.cfg.Journal.Bases(p, func(c string, _ journal.Base) error {
		if s.roams(c) {
			cand[c] = true
		}
		return nil
	})
}

func (s *Syncer) decideLogoffPath(ctx context.Context, p string) (Step, error) {
	st := Step{Path: p}
	b, ok, err := s.cfg.Journal.Base(p)
	if err != nil {
		return st, fmt.Errorf("base of %s: %w", p, err)
	}
	st.Base = fromBase(b, ok)
	if st.Local, err = s.local.stat(p); err != nil {
		return st, fmt.Errorf("stat cache %s: %w", p, err)
	}
	if st.Server, err = s.serverStat(ctx, p); err != nil {
		return st, err
	}
	if st.Local.Kind == KindOther {
		st.Intent, st.Decision = IntentNone, Decision{ActNothing, "special file: does not roam"}
		return st, nil
	}
	st.Intent = IntentOf(st.Base, st.Local)
	st.Decision = DecideLogoff(st.Intent, st.Base, st.Server, st.Local)
	return st, nil
}

func (s *Syncer) serverStat(ctx context.Context, p string) (Version, error) {
	i, err := s.cfg.Store.Stat(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		return Version{}, nil
	}
	if err != nil {
		return Version{}, fmt.Errorf("stat server %s: %w", p, err)
	}
	return fromStoreInfo(i), nil
}
