package syncer

import (
	"context"
	"sync"
	"time"
)

// A logoff plans twice: once with the mount still up, so that a logoff the
// mass-delete guard holds leaves the session as it was (PrepareLogoff), and
// again after the unmount (Logoff). The second plan reads the same cache, the
// same journal and, a few milliseconds later, the same server: at 100,000 files
// with changes spread over many folders each plan cost ~25 ms of a ~150 ms
// logoff (a listing of each touched server folder, a stat of each path). So
// Logoff applies the prepared plan when nothing in the journal has changed since
// it was made (no record appended, no base, mark or meta written: a write-back
// round, a fetch, the hive stream and a user's write all show there) and it is
// at most preparedMaxAge old.
//
// The server may change between the plan and its apply either way: by the time
// a plan's last upload runs, its first stat is as old. preparedMaxAge keeps the
// window about as short as a plan's own apply; beyond it (a logoff that waited
// on an unmount, a signal long after a held logoff) the logoff plans again. A
// store with compare-and-swap (S3) always plans again: its tags are read per
// attempt (meta_cas.go) and a write-back round in between may have replaced
// them.
const preparedMaxAge = 2 * time.Second

type preparedPlan struct {
	mu              sync.Mutex
	plan            *Plan
	version         uint64 // the journal's StateVersion before the plan was made
	at              time.Time
	allowMassDelete bool
}

// PrepareLogoff is PlanLogoff for the check a logoff makes before the
// unmount; the next Logoff may apply the plan it returns (see above).
func (s *Syncer) PrepareLogoff(ctx context.Context) (*Plan, error) {
	s.prepared.take() // a failed or held check leaves none behind
	version := s.cfg.Journal.StateVersion()
	at := time.Now()
	plan, err := s.PlanLogoff(ctx)
	if err != nil || s.cas.c != nil {
		return plan, err
	}
	s.prepared.mu.Lock()
	defer s.prepared.mu.Unlock()
	s.prepared.plan, s.prepared.version, s.prepared.at = plan, version, at
	s.prepared.allowMassDelete = s.cfg.AllowMassDelete
	return plan, nil
}

// take returns the prepared plan and forgets it.
func (p *preparedPlan) take() (plan *Plan, version uint64, at time.Time, allow bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	plan, version, at, allow = p.plan, p.version, p.at, p.allowMassDelete
	p.plan = nil
	return plan, version, at, allow
}

// preparedLogoff returns the prepared plan if it still holds, nil otherwise.
func (s *Syncer) preparedLogoff() *Plan {
	plan, version, at, allow := s.prepared.take()
	if plan == nil || s.cas.c != nil || allow != s.cfg.AllowMassDelete ||
		time.Since(at) > preparedMaxAge || s.cfg.Journal.StateVersion() != version {
		return nil
	}
	return plan
}
