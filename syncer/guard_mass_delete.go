package syncer

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"roamfs/event"
)

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

// checkMassDelete holds a plan that would delete more of the server than
// MassDeletePercent allows. total counts the server's entries; it is only
// asked for when the plan deletes enough to matter, so an ordinary logoff
// does not pay for a count that grows with the profile.
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
		return &ErrMassDelete{Deletes: dels, Total: total, Percent: pct}
	}
	return nil
}

// LogHeld logs the event of a sync held by the mass-delete guard. Only a
// real sync calls it: a plan for a dry run holds nothing, and an event for
// it would be a false alert.
func (s *Syncer) LogHeld(err error) {
	var md *ErrMassDelete
	if errors.As(err, &md) {
		s.log.Warn("logoff held: it would delete too much of the server copy", zap.Int("event_id", event.MassDelete),
			zap.Int("deletes", md.Deletes), zap.Int("total", md.Total))
	}
}
