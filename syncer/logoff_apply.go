package syncer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/journal"
	"roamfs/store"
)

// Logoff replays the journal against the server in two phases: phase 1 applies
// every step (each file written under a temporary name and renamed into place),
// phase 2 records the new bases and only then marks the journal synced. An
// error leaves the journal as it was: replaying it later gives the same server.
// On a store with compare-and-swap (S3) a logoff that loses a race with
// another machine's plans again (meta_cas.go).
func (s *Syncer) Logoff(ctx context.Context) (Result, error) {
	if s.lazy.n.Load() > 0 {
		// They hold nothing to lose: a failure leaves them for the next logon.
		if err := s.materializeDataless(); err != nil {
			s.log.Warn("folders without data stay unmaterialized in the cache", zap.Error(err))
		}
	}
	if n, _ := s.marks.count(); n > 0 {
		pd, err := s.loadPending()
		if err == nil {
			err = s.fetchCovered(ctx, pd)
		}
		if err != nil {
			return Result{Time: time.Now(), Error: err.Error()}, err
		}
	}
	return s.logoffCAS(ctx)
}

// Apply carries out a plan made by PlanLogoff.
func (s *Syncer) Apply(ctx context.Context, plan *Plan) (Result, error) {
	return s.applyPlan(ctx, plan, nil)
}

// applyPlan is Apply; a write-back round (live.go) passes lr, whose paths
// stay pending: those it left out of the plan and those found busy.
func (s *Syncer) applyPlan(ctx context.Context, plan *Plan, lr *liveRound) (Result, error) {
	res := Result{Time: time.Now(), Through: plan.Through}
	if ro, why := s.ReadOnly(ctx); ro {
		// Nothing is ever written to the server: the session's changes are
		// discarded (the next logon brings the server's versions back).
		res.Discarded = len(plan.Steps)
		s.log.Warn("profile changes discarded at logoff: "+why, zap.Int("event_id", event.Discarded), zap.Int("changes", res.Discarded))
		if err := s.cfg.Journal.Commit(plan.Through, nil, nil); err != nil {
			return res, err
		}
		res.OK = true
		return res, nil
	}
	var total int64
	for _, st := range plan.Steps {
		total += stepBytes(st)
	}
	s.prog.start("logoff", int64(len(plan.Steps)), total)
	// Phase 1's writes leave their folders' flush to dirSyncs.Flush, before
	// anything below counts on them (store/dir_sync_batch.go); phase 2's
	// (the index, the metadata) are flushed as they go, under ctx.
	bctx, dirSyncs := store.DeferDirSyncs(ctx)
	b := &baseUpdate{set: map[string]journal.Base{}}
	var iu *indexUpdate // the profile index (index_write.go)
	if len(plan.Steps) > 0 {
		iu = s.beginIndexUpdate(ctx)
	}
	fail := func(err error) (Result, error) {
		res.Error = err.Error()
		if errors.Is(err, store.ErrPrecondition) {
			return res, err // a lost race: Logoff plans again
		}
		s.log.Error("logoff sync failed; the journal keeps every change for the next try",
			zap.Int("event_id", event.UploadFailed), zap.Error(err))
		return res, err
	}
	// Deletions first, children before parents; then writes, parents before
	// children, files in parallel; the hive last, as Windows does.
	var dels, dirs, files, hives []Step
	for _, st := range plan.Steps {
		switch {
		case st.Action == ActDeleteServer:
			dels = append(dels, st)
		case st.Local.Kind == KindDir && (st.Action == ActUpload || st.Action == ActConflictLocal):
			dirs = append(dirs, st) // parents before their children
		case s.cfg.Policy.IsHive(st.Path):
			hives = append(hives, st)
		default:
			files = append(files, st)
		}
	}
	sort.Slice(dels, func(i, j int) bool { return dels[i].ServerPath > dels[j].ServerPath })
	for _, st := range dels {
		if err := s.applyStep(bctx, st, &res, b); err != nil {
			return fail(err)
		}
	}
	for _, st := range dirs {
		if err := s.applyStep(bctx, st, &res, b); err != nil {
			return fail(err)
		}
	}
	err := s.parallel(bctx, files, &res, b)
	// Workers finish in any order: the report lists conflicts by path.
	sort.Slice(res.ConflictList, func(i, j int) bool { return res.ConflictList[i].Path < res.ConflictList[j].Path })
	if err != nil {
		return fail(err)
	}
	for _, st := range hives {
		if err := s.applyStep(bctx, st, &res, b); err != nil {
			return fail(err)
		}
	}
	if err := dirSyncs.Flush(); err != nil {
		return fail(err)
	}
	if missing := s.ix.takeMissing(); len(plan.Steps) > 0 || missing {
		if err := s.writeServerState(ctx, res.Time, plan, iu); err != nil {
			return fail(err)
		}
	}
	if err := lr.carry(s, res.Busy); err != nil {
		return fail(err)
	}
	if err := s.cfg.Journal.Commit(plan.Through, b.set, b.del); err != nil {
		return fail(fmt.Errorf("record synced state in the journal: %w", err))
	}
	res.OK = true
	return res, nil
}

type baseUpdate struct {
	mu  sync.Mutex
	set map[string]journal.Base
	del []string
}

func (b *baseUpdate) put(p string, v Version) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if v.Present() {
		b.set[p] = v.base()
	} else {
		b.del = append(b.del, p)
	}
}

func (s *Syncer) parallel(ctx context.Context, steps []Step, res *Result, b *baseUpdate) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan Step)
	)
	for range s.cfg.Workers {
		wg.Go(func() {
			for st := range next {
				var r Result
				err := s.applyStep(ctx, st, &r, b)
				mu.Lock()
				res.Uploaded += r.Uploaded
				res.Kept += r.Kept
				res.Conflicts += r.Conflicts
				res.ConflictList = append(res.ConflictList, r.ConflictList...)
				res.Deleted += r.Deleted
				res.Busy = append(res.Busy, r.Busy...)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	for _, st := range steps {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		next <- st
	}
	close(next)
	wg.Wait()
	return first
}

func (s *Syncer) applyStep(ctx context.Context, st Step, res *Result, b *baseUpdate) error {
	defer s.prog.step(stepBytes(st))
	log := s.log.With(zap.String("path", st.Path), zap.String("action", st.Action.String()), zap.String("rule", st.Rule))
	k := s.key(st.Path)
	switch st.Action {
	case ActNothing:
		if st.ServerPath != "" { // "" = left untouched (case clash): no base either
			b.put(k, st.Server)
		}
	case ActUpload:
		upload := s.upload
		if s.cfg.Policy.IsHive(st.Path) {
			upload = s.uploadHive
		}
		v, err := upload(ctx, st.Path, st.ServerPath, st.Server)
		if errors.Is(err, errBusy) {
			// Written to while it was copied (a write-back round): the
			// server keeps what it had, and the path stays pending.
			log.Info("opened for writing while it was copied: left to the next round")
			res.Busy = append(res.Busy, st.Path)
			return nil
		}
		if errors.Is(err, errFolderInTheWay) {
			// A file replacing a folder that got files elsewhere: the
			// folder stays, the file goes up beside it as a conflict copy.
			st.Action, st.Rule = ActConflictServer, "a file does not replace a folder that holds new files"
			var c Conflict
			v, c, err = s.resolveConflict(ctx, st)
			res.Conflicts++
			res.ConflictList = append(res.ConflictList, c)
		} else if err == nil {
			res.Uploaded++
		}
		if err != nil {
			return err
		}
		b.put(k, v)
	case ActDeleteServer:
		err := s.cfg.Store.Remove(ctx, st.ServerPath)
		if isNotEmpty(err) {
			log.Info("directory deleted here got new files elsewhere: kept", zap.Int("event_id", event.KeptServer))
			res.Kept++
			b.put(k, st.Server)
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete %s on server: %w", st.ServerPath, err)
		}
		res.Deleted++
		b.put(k, Version{})
	case ActKeepServer:
		log.Info("kept the server's newer version of a path deleted here", zap.Int("event_id", event.KeptServer))
		res.Kept++
		b.put(k, st.Server)
	case ActConflictLocal, ActConflictServer:
		v, c, err := s.resolveConflict(ctx, st)
		if err != nil {
			return err
		}
		res.Conflicts++
		res.ConflictList = append(res.ConflictList, c)
		b.put(k, v)
	}
	log.Debug("applied")
	return nil
}
