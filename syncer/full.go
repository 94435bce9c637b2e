package syncer

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/policy"
)

// DecideFull is Windows 2000's load-time rule for a path with no base version
// (the journal and its bases were lost, or the cache was edited unmounted):
// last writer wins between cache and server, and a server file missing from the
// cache is deleted only if it is older than the load time — otherwise another
// machine wrote it after this one loaded the profile.
func DecideFull(loadTime time.Time, server, local Version) Decision {
	switch {
	case server.Same(local):
		return Decision{ActNothing, "full: cache and server agree"}
	case local.Present() && !server.Present():
		return Decision{ActUpload, "full: only in the cache"}
	case local.Present() && local.Kind == KindDir && server.Kind == KindDir:
		return Decision{ActUpload, "full: directory on both sides"}
	case local.Present() && local.MTime.After(server.MTime):
		return Decision{ActUpload, "full: cache is newer (last writer wins)"}
	case local.Present():
		return Decision{ActKeepServer, "full: server is newer (last writer wins)"}
	case server.Kind == KindDir:
		return Decision{ActKeepServer, "full: folders missing from the cache are kept"}
	case !loadTime.IsZero() && server.MTime.Before(loadTime):
		return Decision{ActDeleteServer, "full: older than the load time, so deleted here"}
	default:
		return Decision{ActKeepServer, "full: written after the load time by another machine"}
	}
}

// DecideMirror is NT 4.0's Xcopy mirror: the server becomes a copy of the cache,
// whatever another machine wrote. It exists for single-machine users and to
// show the data loss the merge rules prevent.
func DecideMirror(server, local Version) Decision {
	switch {
	case server.Same(local):
		return Decision{ActNothing, "mirror: same"}
	case !local.Present():
		return Decision{ActDeleteServer, "mirror: not in the cache"}
	default:
		return Decision{ActUpload, "mirror: cache differs"}
	}
}

// PlanFull decides every path of the cache, the base and the server: the
// journal mode's decision where a base exists, DecideFull where none does, or
// DecideMirror for every path in mirror mode.
func (s *Syncer) PlanFull(ctx context.Context, loadTime time.Time) (*Plan, error) {
	v, err := s.gather(ctx, true)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Through: s.cfg.Journal.LastSeq()}
	mirror := s.cfg.Policy.MergeMode == policy.MergeModeMirror
	for k, st := range v.steps {
		switch {
		case v.blocked(k) || st.Local.Kind == KindOther:
			continue
		case mirror:
			st.Intent, st.Decision = IntentWrite, DecideMirror(st.Server, st.Local)
		case v.hasBase[k]:
			st.Intent = IntentOf(st.Base, st.Local)
			st.Decision = s.decideWithIntent(*st)
		default:
			st.Intent, st.Decision = IntentWrite, DecideFull(loadTime, st.Server, st.Local)
		}
		if st.Action != ActNothing || st.Intent != IntentNone {
			plan.Steps = append(plan.Steps, *st)
		}
	}
	sort.Slice(plan.Steps, func(i, j int) bool { return plan.Steps[i].Path < plan.Steps[j].Path })
	return plan, s.checkMassDelete(plan, func() (int, error) { return len(v.steps), nil })
}

// ErrMassDelete holds a sync that would delete more of the server than the
// MassDeletePercent policy allows: a damaged or emptied cache must not empty
// the server copy.
type ErrMassDelete struct {
	Deletes, Total, Percent int
}

func (e *ErrMassDelete) Error() string {
	return fmt.Sprintf("this sync would delete %d of the server's %d entries, more than MassDeletePercent (%d%%); nothing was changed. "+
		"Check the cache; if the deletions are intended, log off (or sync) again with --allow-mass-delete", e.Deletes, e.Total, e.Percent)
}

// total counts the server's entries; it is only asked for when the plan
// deletes enough to matter, so an ordinary logoff does not pay for a count
// that grows with the profile.
func (s *Syncer) checkMassDelete(plan *Plan, total func() (int, error)) error {
	if s.cfg.AllowMassDelete {
		return nil
	}
	dels := 0
	for _, st := range plan.Steps {
		if st.Action == ActDeleteServer {
			dels++
		}
	}
	if dels <= 10 {
		return nil
	}
	n, err := total()
	if err != nil || n == 0 {
		return err
	}
	return s.massDelete(dels, n)
}

func (s *Syncer) massDelete(dels, total int) error {
	pct := s.cfg.Policy.MassDeletePercent
	if dels*100 > pct*total {
		s.log.Warn("logoff held: it would delete too much of the server copy", zap.Int("event_id", event.MassDelete),
			zap.Int("deletes", dels), zap.Int("total", total))
		return &ErrMassDelete{Deletes: dels, Total: total, Percent: pct}
	}
	return nil
}

// Full reconciles the whole profile without relying on the journal (see
// PlanFull) and marks everything journaled so far as synced.
func (s *Syncer) Full(ctx context.Context, loadTime time.Time) (Result, error) {
	plan, err := s.PlanFull(ctx, loadTime)
	if err != nil {
		return Result{Time: time.Now(), Error: err.Error()}, err
	}
	return s.Apply(ctx, plan)
}
