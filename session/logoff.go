package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/event"
	"roamfs/syncer"
)

// Serve runs until the mount goes away (`roamfs logoff`, umount, a signal),
// then runs the logoff sync and returns its outcome; the error is the sync's.
func (s *Session) Serve(ctx context.Context) (Reply, error) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	go func() { s.mnt.Wait(); close(done) }()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case sig := <-sigs:
			s.log.Info("signal: logging off", zap.String("signal", sig.String()))
			s.unmount()
		case <-s.unmountQ:
			s.unmount()
		}
	}
	// The hive goes last, with the logoff sync: stop its own stream first.
	s.hive.close()
	// A logoff during the background fill cancels it and syncs normally:
	// placeholders are never uploaded, and the next logon goes on filling.
	s.fill.stop()
	s.fill = nil
	// A round under way is cancelled and waited for: what it did not
	// commit stays pending, and the logoff replays it.
	s.wb.stop()
	s.sy.StopFetches()
	return s.logoff(ctx)
}

func (s *Session) unmount() {
	if err := s.mnt.Unmount(); err != nil {
		s.log.Error("unmount failed: the session goes on", zap.Int("event_id", event.UnmountFailed), zap.String("mountpoint", s.cfg.Mountpoint), zap.Error(err))
		s.reply(failed(fmt.Sprintf(
			"cannot unmount %s: %v; close the programs that use files under it and run logoff again", s.cfg.Mountpoint, err)))
	}
}

// precheck runs before the mount goes away: a logoff that would be refused
// (profile over its size limit) or held (mass deletion) leaves the session
// as it is, with nothing synced and nothing lost.
func (s *Session) precheck(ctx context.Context, allowMassDelete bool) (refused *Reply) {
	s.wb.skipVerify()
	defer func() {
		if refused != nil {
			s.wb.resumeVerify() // the session goes on
		}
	}()
	s.round.Lock()
	defer s.round.Unlock()
	var q syncer.QuotaReport
	var err error
	if s.cfg.Policy.EnableProfileQuota { // measuring walks the whole cache: only when it matters
		if q, err = s.sy.CheckQuota(); err != nil {
			r := failed(err.Error())
			return &r
		}
	}
	if q.Over {
		s.log.Warn("logoff refused: the profile is over its size limit", zap.Int("event_id", event.OverQuota),
			zap.Int64("size_bytes", q.Size), zap.Int64("limit_bytes", q.Limit))
		return &Reply{Code: Refused, Quota: &q, Error: fmt.Sprintf(
			"logoff refused: the profile is over its size limit (%d KB of %d KB); the mount stays and nothing was synced: make room and log off again",
			(q.Size+1023)/1024, q.Limit/1024)}
	}
	s.sy.AllowMassDelete(allowMassDelete)
	if _, err := s.sy.PrepareLogoff(ctx); err != nil {
		s.sy.LogHeld(err)
		r := failed(err.Error())
		return &r
	}
	return nil
}

// logoff replays the journal to the server and records the outcome.
func (s *Session) logoff(ctx context.Context) (Reply, error) {
	s.round.Lock()
	defer s.round.Unlock()
	s.log.Info("logoff", zap.Int("event_id", event.LogoffStart), zap.Int("pending", s.j.PendingCount()))
	res, err := s.sy.Logoff(ctx)
	raw, _ := json.Marshal(res)
	uerr := s.cfg.Layout.UpdateStatus(func(st *cachedir.Status) {
		st.Loaded, st.LastSyncResult = false, raw
		if err == nil {
			st.LastUploadTime = &res.Time
		}
	})
	reply := Reply{Result: &res, Code: Synced}
	if err != nil {
		reply.Code, reply.Error = Failed, fmt.Sprintf(
			"logoff sync failed: %v; every change is kept in the journal: run `roamfs sync --cache %s` to finish", err, s.cfg.Layout.Dir)
	} else {
		s.log.Info("logoff done", zap.Int("event_id", event.LogoffDone), zap.Int("uploaded", res.Uploaded),
			zap.Int("deleted", res.Deleted), zap.Int("conflicts", res.Conflicts))
	}
	if err == nil {
		err = uerr
	}
	return reply, err
}

// dropCache is DeleteRoamingCache: after a successful logoff the cached copy
// goes (the status and the log stay, so the last sync can still be read).
func (s *Session) dropCache() {
	for _, d := range []string{s.cfg.Layout.Profile(), s.cfg.Layout.Journal()} {
		if err := os.RemoveAll(d); err != nil {
			s.log.Error("DeleteRoamingCache: cannot delete the cached copy", zap.Int("event_id", event.CacheFailed), zap.String("dir", d), zap.Error(err))
		}
	}
	s.log.Info("DeleteRoamingCache: cached copy deleted after a successful logoff")
}

// reply hands the logoff's outcome to every `roamfs logoff` waiting for it.
func (s *Session) reply(r Reply) {
	s.mu.Lock()
	ws := s.waiters
	s.waiters = nil
	s.mu.Unlock()
	for _, w := range ws {
		w <- r
	}
}

// requestLogoff is what the control socket's /logoff calls once precheck
// passed: unmount, then wait for the sync's outcome on the channel.
func (s *Session) requestLogoff() <-chan Reply {
	w := make(chan Reply, 1)
	s.mu.Lock()
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	select {
	case s.unmountQ <- struct{}{}:
	default:
	}
	return w
}
