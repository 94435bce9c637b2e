package syncer

import (
	"context"
	"sort"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
)

// PlanFull decides every path of the cache, the base and the server (see
// decideWhole for the table each one gets).
func (s *Syncer) PlanFull(ctx context.Context, loadTime time.Time) (*Plan, error) {
	// A folder not yet materialized would read as emptied in the cache.
	if err := s.MaterializeAll(ctx); err != nil {
		return nil, err
	}
	v, err := s.gather(ctx, true, nil)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Through: s.cfg.Journal.LastSeq()}
	for k, st := range v.steps {
		if v.blocked(k) || st.Local.Kind == KindOther || s.isPlaceholder(k, st.Local) {
			// A placeholder (streamed logon) is no data of this machine's:
			// never uploaded, and the server's version stays.
			continue
		}
		st.Intent, st.Decision = s.decideWhole(*st, v.hasBase[k], loadTime)
		if st.Action != ActNothing || st.Intent != IntentNone {
			plan.Steps = append(plan.Steps, *st)
		}
	}
	sort.Slice(plan.Steps, func(i, j int) bool { return plan.Steps[i].Path < plan.Steps[j].Path })
	return plan, s.checkMassDelete(plan, func() (int, error) { return len(v.steps), nil })
}

// Full reconciles the whole profile without relying on the journal (see
// PlanFull) and marks everything journaled so far as synced.
func (s *Syncer) Full(ctx context.Context, loadTime time.Time) (Result, error) {
	// On a store with compare-and-swap, as a logoff (casLoop).
	steps := 0
	res, err := s.casLoop(ctx, "full sync", func(ctx context.Context) (Result, error) {
		plan, err := s.PlanFull(ctx, loadTime)
		if err != nil {
			s.LogHeld(err)
			return Result{Time: time.Now(), Error: err.Error()}, err
		}
		steps = len(plan.Steps)
		// A full reconcile is also how an administrator makes the server's
		// profile index list what was put on the server behind roamfs' back.
		s.ix.markStale()
		return s.Apply(ctx, plan)
	})
	if err == nil && steps == 0 {
		if err := s.RefreshIndex(ctx); err != nil {
			s.log.Warn("the profile index could not be rebuilt; the next logon reads the whole server copy", zap.Int("event_id", event.IndexFailed), zap.Error(err))
		}
	}
	return res, err
}
