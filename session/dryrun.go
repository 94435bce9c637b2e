package session

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"roamfs/policy"
	"roamfs/syncer"
)

// DryRun is what `logoff --dry-run` and `sync --dry-run` report: the plan,
// and the outcome the real command would have now. It runs every check the
// real command runs (the size limit for a logoff, the mass-delete guard) and
// logs no event: a dry run holds nothing, so an alert would be false.
type DryRun struct {
	Steps   []PlanEntry         `json:"steps"`
	Summary map[string]int      `json:"summary"` // steps by action
	Code    Outcome             `json:"code"`    // what the real command would exit with
	Error   string              `json:"error,omitempty"`
	Quota   *syncer.QuotaReport `json:"quota,omitempty"`
	// ReadOnly says why the real command would write nothing to the server
	// (ReadOnlyProfile, a mandatory profile): every step is then "discard".
	ReadOnly string `json:"read_only,omitempty"`
}

// ActDiscard is a dry run's action for a step of a read-only or mandatory
// profile: the real command discards the change (Result.Discarded).
const ActDiscard = "discard"

// Err is the outcome as an error, as Reply.Err.
func (d DryRun) Err() error {
	if d.Code == Synced {
		return nil
	}
	return &LogoffError{Outcome: d.Code, Msg: d.Error}
}

// DryRunCheck says which of the real command's checks a dry run repeats.
type DryRunCheck struct {
	Quota           bool // a logoff checks the size limit; a sync does not
	AllowMassDelete bool
	Full            bool      // sync --full: the load-time rules, no journal
	LoadTime        time.Time // sync --full: the last logon's time
}

// dryRun plans with sy as the real command would and reports the outcome.
func dryRun(ctx context.Context, sy *syncer.Syncer, pol *policy.Policy, c DryRunCheck) DryRun {
	d := DryRun{Summary: map[string]int{}}
	if c.Quota && pol.EnableProfileQuota {
		q, err := sy.CheckQuota()
		if err != nil {
			d.Code, d.Error = Failed, err.Error()
			return d
		}
		if q.Over {
			d.Code, d.Quota = Refused, &q
			d.Error = fmt.Sprintf("logoff would be refused: the profile is over its size limit (%d KB of %d KB)",
				(q.Size+1023)/1024, q.Limit/1024)
		}
	}
	sy.AllowMassDelete(c.AllowMassDelete)
	var plan *syncer.Plan
	var err error
	if c.Full {
		plan, err = sy.PlanFull(ctx, c.LoadTime)
	} else {
		plan, err = sy.PlanLogoff(ctx)
	}
	if plan != nil {
		d.Steps = PlanEntries(plan)
		// The real command discards every step of a read-only profile
		// (syncer.applyPlan) once the checks above passed: so does the plan.
		if ro, why := sy.ReadOnly(ctx); ro {
			d.ReadOnly = why
			for i, st := range d.Steps {
				d.Steps[i].Action = ActDiscard
				d.Steps[i].Rule = fmt.Sprintf("%s: discarded (otherwise %s: %s)", why, st.Action, st.Rule)
			}
		}
		for _, st := range d.Steps {
			d.Summary[st.Action]++
		}
		sort.SliceStable(d.Steps, func(i, j int) bool { return d.Steps[i].Path < d.Steps[j].Path })
	}
	if err != nil && d.Code == Synced {
		var md *syncer.ErrMassDelete
		d.Code, d.Error = Failed, err.Error()
		if errors.As(err, &md) {
			d.Error = fmt.Sprintf("would be held: %v (pass --allow-mass-delete to let it through)", err)
		}
	}
	return d
}

// DryRun plans the session's logoff as the real logoff would, without
// unmounting or syncing anything.
func (s *Session) DryRun(ctx context.Context, allowMassDelete bool) DryRun {
	s.round.Lock()
	defer s.round.Unlock()
	return dryRun(ctx, s.sy, s.cfg.Policy, DryRunCheck{Quota: true, AllowMassDelete: allowMassDelete})
}

// DryRun plans a sync of this cache as `roamfs sync` (c.Quota false) or a
// logoff whose daemon is gone (c.Quota true) would run it.
func (o *Offline) DryRun(ctx context.Context, c DryRunCheck) DryRun {
	return dryRun(ctx, o.eng.sy, o.eng.pol, c)
}
