package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/event"
	"roamfs/store/s3"
	"roamfs/store/smb"
	"roamfs/syncer"
)

// The live profile (issue 14; Citrix's "active write back"): every
// PSMidSessionWriteBackInterval the daemon runs a round, without unmounting:
//  1. the hive, with PSMidSessionWriteBackReg, through the hive stream (a
//     snapshot taken through the hive gate);
//  2. a write-back: the logoff's plan and apply (syncer.WriteBack), files
//     open for writing and the hive left pending for the next round;
//  3. a pull (syncer.Pull): what other machines wrote back, merged into the
//     mounted cache by the logon table, the kernel's caches of each path
//     replaced dropped through the front end.
//
// Rounds, the logoff, dry runs and hive uploads share the syncer, which runs
// one plan at a time: they take Session.round. A logoff cancels a round under
// way and waits for it; what the round had not committed stays pending, and
// the logoff (or the next round, or `roamfs sync`) replays it idempotently.
//
// A round whose server copy cannot be read is skipped with an event and the
// next one tries again; one held by the mass-delete guard is logged once per
// hold (the logoff decides it, with --allow-mass-delete if need be).

// writeBack is the session's loop of rounds.
type writeBack struct {
	s       *Session
	cancel  context.CancelFunc // the loop's and its round's context
	done    chan struct{}
	stopped atomic.Bool // the logoff has begun: no more rounds

	mu     sync.Mutex
	pull   syncer.PullState
	held   bool // the last round was held by the mass-delete guard
	down   bool // the last round found the server unreachable
	verify bool // VerifyAgainstServer still to run (once after the mount)
	// fillDone is closed when the background fill ends (nil: no fill).
	// The verification waits for it: both read the whole server copy, and
	// on one disk or one link the walk slowed the fill by a sixth. An open
	// meanwhile still fetches the server's newest version.
	fillDone <-chan struct{}

	// A logoff does not wait for the verification (a walk of the whole
	// server: seconds at 100,000 files): skipVerify cancels it, and
	// resumeVerify runs it again when the logoff was refused.
	noVerify     atomic.Bool
	verifyCancel atomic.Pointer[context.CancelFunc]
	ctx          context.Context // the loop's, for a verification run again
}

// RoundResult is one round's outcome, as the status keeps it and
// `roamfs sync` on a running session prints it.
type RoundResult struct {
	syncer.Result
	Pull    syncer.PullResult `json:"pull"`
	Skipped string            `json:"skipped,omitempty"` // why the round did nothing: the server is unreachable
}

// startWriteBack starts the loop, or nothing when the policy has none.
func (s *Session) startWriteBack() *writeBack {
	w := &writeBack{s: s, done: make(chan struct{}), verify: true}
	if s.fill != nil {
		w.fillDone = s.fill.done
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.ctx = cancel, ctx
	pol := s.cfg.Policy
	if !pol.PSMidSessionWriteBack {
		// No rounds, but the one check for changes made behind roamfs'
		// back still runs: it is the streamed logon's, not write-back's.
		go func() {
			defer close(w.done)
			w.verifyOnce(ctx)
		}()
		return w
	}
	go w.loop(ctx, pol.PSMidSessionWriteBackInterval)
	return w
}

func (w *writeBack) loop(ctx context.Context, every time.Duration) {
	defer close(w.done)
	if every <= 0 {
		every = 5 * time.Minute
	}
	// The verification waits for the fill; the rounds do not wait for it.
	verified := make(chan struct{})
	go func() {
		defer close(verified)
		w.verifyOnce(ctx)
	}()
	defer func() { <-verified }()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.round(ctx, false)
		}
	}
}

// stop cancels the loop and a round under way, and waits for them.
func (w *writeBack) stop() {
	if w == nil {
		return
	}
	w.stopped.Store(true)
	w.cancel()
	<-w.done
}

// verifyOnce runs VerifyAgainstServer once after the mount, in the
// background: changes made behind roamfs' back (or missed by a stale index)
// reach the live cache as a pull's do.
func (w *writeBack) verifyOnce(ctx context.Context) {
	s := w.s
	// Only the walk is cancelled by a logoff; the merge of what it found
	// runs to its end.
	walk, cancel := context.WithCancel(ctx)
	defer cancel()
	w.verifyCancel.Store(&cancel)
	if w.noVerify.Load() {
		return
	}
	if w.fillDone != nil {
		select {
		case <-w.fillDone:
		case <-walk.Done():
			return // w.verify stays set: resumeVerify runs it again if the logoff is refused
		}
	}
	s.round.Lock()
	defer s.round.Unlock()
	if !w.verify || walk.Err() != nil {
		return
	}
	changes, err := s.sy.VerifyAgainstServer(walk)
	if err != nil && w.noVerify.Load() && ctx.Err() == nil {
		s.log.Info("the check of the server copy against its profile index waits: a logoff began")
		return // w.verify stays set: resumeVerify runs it again if the logoff is refused
	}
	w.verify = false
	if err != nil {
		s.log.Warn("the server copy could not be checked against its profile index; the next logon checks again", zap.Int("event_id", event.IndexFailed), zap.Error(err))
		return
	}
	if len(changes) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	res, err := s.sy.MergeServerChanges(ctx, s.prof, changes, &w.pull, s.invalidate)
	if err != nil {
		s.log.Error("changes made on the server copy behind roamfs could not all be merged; the next round tries again", zap.Int("event_id", event.WriteBackFailed), zap.Error(err))
		return
	}
	s.log.Info("changes made on the server copy behind roamfs merged into the profile", zap.Int("event_id", event.PulledChanges),
		zap.Int("replaced", res.Replaced), zap.Int("created", res.Created), zap.Int("deleted", res.Deleted))
}

// skipVerify cancels the verification after the mount, or keeps it from
// starting: a logoff's checks must not wait for a walk of the whole server.
// What it would have found is found by the next logon (the index and its
// top-level check) or `sync --full`; the logoff itself compares every path
// it syncs with the server.
func (w *writeBack) skipVerify() {
	if w == nil {
		return
	}
	w.noVerify.Store(true)
	if c := w.verifyCancel.Load(); c != nil {
		(*c)()
	}
}

// resumeVerify runs the verification again after a logoff that was refused
// or held (the session goes on), if skipVerify stopped it before it was done.
func (w *writeBack) resumeVerify() {
	if w == nil || !w.noVerify.Swap(false) || w.ctx == nil {
		return
	}
	go w.verifyOnce(w.ctx)
}

// round runs one round now. asked: `roamfs sync` asked for it (a held round
// is then an error, as a held sync is).
func (w *writeBack) round(ctx context.Context, allowMassDelete bool) (RoundResult, error) {
	s := w.s
	s.round.Lock()
	defer s.round.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if ctx.Err() != nil {
		return RoundResult{}, ctx.Err()
	}
	if w.stopped.Load() {
		return RoundResult{}, errors.New("the session is logging off: its logoff syncs every change")
	}
	log := s.log
	if ro, why := s.sy.ReadOnly(ctx); ro {
		// Nothing is written to the server; the logoff discards the changes.
		return RoundResult{Skipped: "read-only profile: " + why}, nil
	}
	if err := s.serverReachable(ctx); err != nil {
		if !w.down {
			log.Warn("write-back round skipped: the server copy cannot be reached; the next round tries again",
				zap.Int("event_id", event.WriteBackServerDown), zap.Error(err))
		}
		w.down = true
		r := RoundResult{Skipped: "the server copy cannot be reached: " + err.Error()}
		r.Time, r.Error = time.Now(), r.Skipped
		w.record(r, false)
		return r, err
	}
	w.down = false
	log.Info("write-back round started", zap.Int("event_id", event.WriteBackStarted), zap.Int("pending", s.j.PendingCount()))
	if s.cfg.Policy.PSMidSessionWriteBackReg && s.hive != nil {
		if _, err := s.hive.uploadLocked(ctx); err != nil {
			log.Error("write-back round: the hive was not uploaded; the next round tries again", zap.Int("event_id", event.HiveUploadFailed), zap.Error(err))
		}
	}
	s.sy.AllowMassDelete(allowMassDelete)
	wb, err := s.sy.WriteBack(ctx, s.prof)
	s.sy.AllowMassDelete(false)
	r := RoundResult{Result: wb.Result}
	var md *syncer.ErrMassDelete
	switch {
	case errors.As(err, &md):
		if !w.held {
			log.Warn("write-back rounds are held: they would delete too much of the server copy; the logoff decides",
				zap.Int("event_id", event.WriteBackHeld), zap.Int("deletes", md.Deletes), zap.Int("total", md.Total))
		}
		w.held = true
	case err != nil:
		log.Error("write-back round failed; every change stays in the journal and the next round tries again",
			zap.Int("event_id", event.WriteBackFailed), zap.Error(err))
		w.record(r, false)
		return r, err
	default:
		w.held = false
		w.pull.Refresh(wb.Refresh, s.sy.Key)
	}
	if len(wb.Busy) > 0 {
		log.Info("files open for writing were left to the next round", zap.Int("event_id", event.WriteBackBusy),
			zap.Strings("paths", wb.Busy))
	}
	pr, perr := s.sy.Pull(ctx, s.prof, &w.pull, s.invalidate)
	r.Pull = pr
	if perr != nil {
		log.Error("write-back round: the other machines' changes could not be merged; the next round tries again",
			zap.Int("event_id", event.WriteBackFailed), zap.Error(perr))
		if err == nil {
			err = perr
		}
	} else if pr.Changed() > 0 {
		log.Info("changes other machines wrote back were merged into the profile", zap.Int("event_id", event.PulledChanges),
			zap.Int("replaced", pr.Replaced), zap.Int("created", pr.Created), zap.Int("deleted", pr.Deleted),
			zap.Int("left_open", len(pr.Skipped)))
	}
	if err == nil {
		log.Info("write-back round finished", zap.Int("event_id", event.WriteBackDone),
			zap.Int("uploaded", r.Uploaded), zap.Int("deleted", r.Deleted), zap.Int("kept", r.Kept),
			zap.Int("conflicts", r.Conflicts), zap.Int("left_open", len(r.Busy)),
			zap.Int("pulled", pr.Changed()), zap.Bool("read_server_namespace", pr.Looked))
	}
	if err != nil && r.Error == "" {
		r.Error = err.Error()
	}
	w.record(r, err == nil)
	return r, err
}

// record keeps the round in the status file: LastWriteBackTime for a
// round that wrote back (LastUploadTime stays the logoff's, as on Windows).
func (w *writeBack) record(r RoundResult, ok bool) {
	raw, _ := json.Marshal(r)
	err := w.s.cfg.Layout.UpdateStatus(func(st *cachedir.Status) {
		st.LastWriteBackResult = raw
		if ok {
			t := r.Time
			st.LastWriteBackTime = &t
		}
	})
	if err != nil {
		w.s.log.Error("status not updated after a write-back round", zap.Int("event_id", event.CacheFailed), zap.Error(err))
	}
}

// writeBackNow is `roamfs sync` on a running session: a round now, waited
// for. Held or failed, it is an error as a sync's would be.
func (s *Session) writeBackNow(ctx context.Context, allowMassDelete bool) Reply {
	if s.wb == nil {
		return failed("the session is not serving yet")
	}
	r, err := s.wb.round(ctx, allowMassDelete)
	reply := Reply{Result: &r.Result, Code: Synced}
	if err != nil {
		reply.Code = Failed
		var md *syncer.ErrMassDelete
		if errors.As(err, &md) {
			reply.Error = fmt.Sprintf("write-back held: %v", err)
		} else {
			reply.Error = fmt.Sprintf("write-back failed: %v; every change is kept in the journal: the next round (or the logoff) tries again", err)
		}
	}
	return reply
}

// invalidate drops the kernel's caches of rel after a pull changed it.
func (s *Session) invalidate(rel string) {
	s.mu.Lock()
	inv, ok := s.mnt.(interface{ InvalidatePath(string) error })
	s.mu.Unlock()
	if ok {
		if err := inv.InvalidatePath(rel); err != nil {
			s.log.Debug("kernel cache not invalidated", zap.String("path", rel), zap.Error(err))
		}
	}
}

// serverReachable checks the server copy before a round changes anything.
// A directory server (not an SMB share or S3 bucket) is looked up by its
// name too: the store works through
// the folder it opened at logon, which stays usable when the share's path
// goes away (unmounted, renamed), and a round must not write into a folder
// nobody else can see.
func (s *Session) serverReachable(ctx context.Context) error {
	if s.cfg.OpenStore == nil && !smb.IsURL(s.cfg.Server) && !s3.IsURL(s.cfg.Server) {
		fi, err := os.Stat(s.cfg.Server)
		if err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is not a folder", s.cfg.Server)
		}
		if err != nil {
			return fmt.Errorf("server copy %s: %w", s.cfg.Server, err)
		}
	}
	return s.sy.Reachable(ctx)
}
