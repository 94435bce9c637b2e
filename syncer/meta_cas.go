package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"

	"roamfs/store"
)

// Compare-and-swap on a store without rename (S3). Dir and SMB replace a file
// with a rename and the syncer's Stat-then-Put is as good as the share makes
// it; an object store offers something better, a write that takes effect only
// if the object still has the tag (ETag) that was read. A logoff records the
// tag of every server entry its plan reads and of the profile's metadata, and
// writes each file and, in phase 2, the metadata only if they are unchanged.
// Two machines logging off one profile at once: one wins every write; the
// other's first refused write (a file both changed, or at the latest the
// metadata) fails its Apply with store.ErrPrecondition before its journal is
// committed, and it plans again from the server as it now is, so the logoff
// rules (newer write wins, the loser kept as a conflict copy) decide, and
// nothing is lost.

// casAttempts bounds the re-plans of one logoff that keeps losing races.
const casAttempts = 6

// casTags are the tags this logoff read, by server path. Safe for
// concurrent use (the uploads run in parallel).
type casTags struct {
	c    store.Conditional // nil: the store has no compare-and-swap
	mu   sync.Mutex
	tags map[string]string // "" = absent (or a folder) when read
}

func newCASTags(st store.Store) *casTags {
	return &casTags{c: store.ConditionalOf(st), tags: map[string]string{}}
}

func (t *casTags) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.tags)
}

func (t *casTags) set(p, tag string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tags[p] = tag
}

func (t *casTags) get(p string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tag, ok := t.tags[p]
	return tag, ok
}

// statServerEntry is Store.Stat that also records p's tag when the store
// has compare-and-swap.
func (s *Syncer) statServerEntry(ctx context.Context, p string) (store.Info, error) {
	if s.cas.c == nil {
		return s.cfg.Store.Stat(ctx, p)
	}
	i, tag, err := s.cas.c.StatTag(ctx, p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.cas.set(p, "")
	case err == nil:
		s.cas.set(p, tag)
	}
	return i, err
}

// putUnchanged writes rel only if it still has the tag this logoff read
// ("write this object only if it still has the ETag I read"): the one
// conditional write, for files, the profile's metadata and whatever else
// phase 2 records beside it. Without a recorded tag or compare-and-swap,
// or for more than a single PUT takes, it is a plain Put. A lost race wraps
// store.ErrPrecondition.
func (s *Syncer) putUnchanged(ctx context.Context, rel string, r io.Reader, size int64, mode fs.FileMode, mtime time.Time) error {
	tag, ok := s.cas.get(rel)
	if s.cas.c == nil || !ok || size < 0 || size > 5<<30 {
		return s.cfg.Store.Put(ctx, rel, r, mode, mtime)
	}
	// The conditional write goes to the store below the recorder: note
	// it, or a conflict copy (not a step of any plan) is in no index.
	s.ix.rec.note(rel)
	newTag, err := s.cas.c.PutIf(ctx, rel, r, size, mode, mtime, tag)
	if err != nil {
		return err
	}
	s.cas.set(rel, newTag)
	return nil
}

// beginCAS starts a logoff's record of tags with the profile metadata's.
func (s *Syncer) beginCAS(ctx context.Context) error {
	s.cas.reset()
	if s.cas.c == nil {
		return nil
	}
	if _, err := s.statServerEntry(ctx, ServerMetaName); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read server metadata: %w", err)
	}
	return nil
}

// casLoop runs attempt (plan and apply) and runs it again while another
// machine wins a conditional write: the one loop of a logoff, a write-back
// round and a full reconcile. Each attempt starts a new record of tags, so
// a round never writes with a tag an earlier round (or pull) read, and
// never writes the metadata without one. what names the operation in the
// log.
func (s *Syncer) casLoop(ctx context.Context, what string, attempt func(context.Context) (Result, error)) (Result, error) {
	var lost Result // what the attempts that lost a race did: it stays done
	for n := 1; ; n++ {
		if err := s.beginCAS(ctx); err != nil {
			return Result{Time: time.Now(), Error: err.Error()}, err
		}
		res, err := attempt(ctx)
		res.add(lost)
		if !errors.Is(err, store.ErrPrecondition) || n == casAttempts {
			return res, err
		}
		lost = res
		s.log.Info("another machine wrote this profile on the server during this "+what+": merging again with what it wrote",
			zap.Int("attempt", n), zap.Error(err))
		// A little random pause, so that two machines do not collide again.
		select {
		case <-ctx.Done():
			return res, errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(rand.Int64N(int64(50 * time.Millisecond * time.Duration(n))))):
		}
	}
}

// logoffCAS is Logoff: plan and apply, and plan again while another
// machine's logoff wins a conditional write.
// The first attempt applies the plan PrepareLogoff made, if it still holds
// (logoff_prepared.go).
func (s *Syncer) logoffCAS(ctx context.Context) (Result, error) {
	prepared := s.preparedLogoff()
	return s.casLoop(ctx, "logoff", func(ctx context.Context) (Result, error) {
		plan := prepared
		prepared = nil
		if plan == nil {
			var err error
			if plan, err = s.PlanLogoff(ctx); err != nil {
				s.LogHeld(err)
				return Result{Time: time.Now(), Error: err.Error()}, err
			}
		}
		return s.Apply(ctx, plan)
	})
}

// add counts in what an earlier attempt of the same logoff did: a conflict
// it resolved (its copy written) is this logoff's conflict even though the
// next plan finds the server already agreeing.
func (r *Result) add(o Result) {
	r.Uploaded += o.Uploaded
	r.Deleted += o.Deleted
	r.Kept += o.Kept
	r.Conflicts += o.Conflicts
	r.ConflictList = append(o.ConflictList, r.ConflictList...)
}
