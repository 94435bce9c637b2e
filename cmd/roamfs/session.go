package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/event"
	"roamfs/journal"
	"roamfs/overlay"
	"roamfs/policy"
	"roamfs/store"
	"roamfs/syncer"
)

// sessionConfig is what `roamfs logon` was asked for.
type sessionConfig struct {
	server, mountpoint, policyFile string
	layout                         cachedir.Layout
	pol                            *policy.Policy
	debug                          bool
	user                           profileUser
}

// session is one logon → logoff on this machine: the daemon's whole life.
type session struct {
	cfg  sessionConfig
	id   string
	host string
	log  *zap.Logger
	j    *journal.Journal
	sy   *syncer.Syncer
	prof *overlay.Profile
	srv  mounted
	hive *hiveStream

	stopWarn context.CancelFunc

	// jmu keeps the journal open while a control request reads it; closed is
	// set when the session closes it, after which requests are turned away.
	jmu    sync.RWMutex
	closed bool

	mu       sync.Mutex
	waiters  []chan logoffReply // `roamfs logoff` callers waiting for the sync
	unmountQ chan struct{}
}

type logoffReply struct {
	Result *syncer.Result      `json:"result,omitempty"`
	Quota  *syncer.QuotaReport `json:"quota,omitempty"` // a logoff refused for size
	Error  string              `json:"error,omitempty"`
	Code   int                 `json:"code"`
}

// precheck runs before the mount goes away: a logoff that would be refused
// (profile over its size limit) or held (mass deletion) leaves the session
// as it is, with nothing synced and nothing lost.
func (s *session) precheck(ctx context.Context, allowMassDelete bool) *logoffReply {
	var q syncer.QuotaReport
	var err error
	if s.cfg.pol.EnableProfileQuota { // measuring walks the whole cache: only when it matters
		if q, err = s.sy.CheckQuota(); err != nil {
			return &logoffReply{Code: ExitFailure, Error: err.Error()}
		}
	}
	if q.Over {
		s.log.Warn("logoff refused: the profile is over its size limit", zap.Int("event_id", event.OverQuota),
			zap.Int64("size", q.Size), zap.Int64("limit", q.Limit))
		return &logoffReply{Code: ExitRefused, Quota: &q, Error: fmt.Sprintf(
			"logoff refused: the profile is over its size limit (%d KB of %d KB); the mount stays and nothing was synced: make room and log off again",
			(q.Size+1023)/1024, q.Limit/1024)}
	}
	s.sy.AllowMassDelete(allowMassDelete)
	if _, err := s.sy.PlanLogoff(ctx); err != nil {
		return &logoffReply{Code: ExitFailure, Error: err.Error()}
	}
	return nil
}

// openSession opens the journal, the server copy and the cache. It fails fast,
// before anything is mounted, and says what to do.
func openSession(cfg sessionConfig) (*session, error) {
	s := &session{cfg: cfg, id: uuid.NewString(), unmountQ: make(chan struct{}, 1)}
	s.host, _ = os.Hostname()
	if err := cfg.layout.Create(); err != nil {
		return nil, err
	}
	log, err := newFileLogger(cfg.layout.LogFile(), cfg.debug)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	s.log = log.With(zap.String("session", s.id))
	s.j, err = journal.Open(cfg.layout.Journal(), journal.Options{Logger: s.log})
	if err != nil {
		return nil, explainLocked(cfg.layout, err)
	}
	var srv store.Store
	// A missing server folder is a new profile only for a cache that has
	// none: otherwise the share is not there, and the cache is what we have.
	if d, err := openServer(cfg.server, cfg.user, !cachedProfile(cfg.layout)); err == nil {
		r := store.NewRetry(d)
		r.OnRetry = func(op string, attempt int, err error) {
			s.log.Warn("server operation failed; retrying", zap.String("op", op), zap.Int("attempt", attempt), zap.Error(err))
		}
		srv = r
	} else if cachedProfile(cfg.layout) {
		srv = store.Unavailable{Path: cfg.server, Err: err} // logon goes on with the cache
	} else {
		s.j.Close()
		return nil, fmt.Errorf("%w; there is no cached copy of this profile to log on with", err)
	}
	s.sy, err = syncer.New(syncer.Config{
		ProfileDir: cfg.layout.Profile(), Journal: s.j, Store: srv, Policy: cfg.pol,
		Log: s.log, Host: s.host, Session: s.id, Owner: cfg.user.owner(),
	})
	if err != nil {
		s.j.Close()
		return nil, err
	}
	return s, nil
}

// openServer opens the server copy, creating the user's folder (theirs, like
// the folder Windows creates for a new roaming profile) when it is missing.
func openServer(dir string, u profileUser, create bool) (*store.Dir, error) {
	_, statErr := os.Stat(dir)
	st, err := store.OpenDir(dir, create)
	if err != nil {
		return nil, fmt.Errorf("open server copy: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) && u.owner() != nil {
		if err := os.Chown(dir, u.UID, u.GID); err != nil {
			st.Close()
			return nil, fmt.Errorf("give the new server folder %s to %s: %w", dir, u.Name, err)
		}
	}
	return st, nil
}

// cachedProfile reports whether the cache holds a profile to log on with.
func cachedProfile(l cachedir.Layout) bool {
	entries, err := os.ReadDir(l.Profile())
	return err == nil && len(entries) > 0
}

// explainLocked turns a held journal into a message naming the running session.
func explainLocked(l cachedir.Layout, err error) error {
	if !errors.Is(err, journal.ErrLocked) {
		return err
	}
	st, _ := l.ReadStatus()
	return fmt.Errorf("cache %s is in use by a running session (pid %d, mounted at %s): log that session off first: %w",
		l.Dir, st.PID, st.LocalPath, err)
}

// logon merges the server copy into the cache and mounts the profile.
func (s *session) logon(ctx context.Context) error {
	s.log.Info("logon", zap.Int("event_id", event.LogonStart), zap.String("server", s.cfg.server),
		zap.String("mountpoint", s.cfg.mountpoint))
	err := s.cfg.layout.UpdateStatus(func(st *cachedir.Status) {
		st.LocalPath, st.RoamingPath, st.CacheDir = s.cfg.mountpoint, s.cfg.server, s.cfg.layout.Dir
		st.Session, st.Host, st.PID, st.PolicyFile = s.id, s.host, os.Getpid(), s.cfg.policyFile
		st.Loaded, st.Status = false, cachedir.StatusRoaming
	})
	if err != nil {
		return err
	}
	res, logonErr := s.sy.Logon(ctx)
	roaming, err := true, logonErr
	if err != nil {
		if !cachedProfile(s.cfg.layout) {
			return fmt.Errorf("logon merge: %w", err)
		}
		// Windows logs on with the locally cached profile (event 1521); so do
		// we, and the journal still records everything for the next sync.
		roaming = false
		s.log.Error("the server copy cannot be reached: logging on with the cached profile; this session does not roam",
			zap.Int("event_id", event.NewProfile), zap.Error(err))
	}
	s.log.Info("logon merge done", zap.Int("event_id", event.LogonDone), zap.Bool("new_profile", res.NewProfile),
		zap.Int("downloaded", res.Downloaded), zap.Int("deleted_local", res.DeletedLocal))
	if o := s.cfg.user.owner(); o != nil {
		// The mount's root is the cache's profile folder: the user's, closed
		// to everybody else (root passes anyway).
		if err := os.Chown(s.cfg.layout.Profile(), o.UID, o.GID); err != nil {
			return fmt.Errorf("give the profile to %s: %w", s.cfg.user.Name, err)
		}
	}
	if err := os.Chmod(s.cfg.layout.Profile(), 0o700); err != nil {
		return err
	}
	if s.prof, err = overlay.New(s.cfg.layout.Profile(), s.j, s.cfg.pol, s.id, s.log); err != nil {
		return err
	}
	if s.srv, err = mountProfile(s.cfg.mountpoint, s.prof, s.cfg.layout, s.cfg.debug); err != nil {
		return err
	}
	s.hive = s.startHiveStream()
	warnCtx, stop := context.WithCancel(context.Background())
	s.stopWarn = stop
	go s.warnOverQuota(warnCtx)
	now := time.Now()
	return s.cfg.layout.UpdateStatus(func(st *cachedir.Status) {
		st.Loaded, st.LastUseTime = true, &now
		st.NotRoamingReason = ""
		if !roaming {
			st.Status &^= cachedir.StatusRoaming
			st.NotRoamingReason = fmt.Sprintf("the server copy could not be reached at logon (%v): the cached profile is in use", logonErr)
		}
		if res.Time.After(time.Time{}) {
			st.LastDownloadTime = &res.Time
		}
	})
}

// serve runs until the mount goes away (`roamfs logoff`, umount, a signal),
// then runs the logoff sync.
func (s *session) serve(ctx context.Context) (logoffReply, error) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	go func() { s.srv.Wait(); close(done) }()
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
	return s.logoff(ctx)
}

func (s *session) unmount() {
	if err := s.srv.Unmount(); err != nil {
		s.log.Warn("unmount failed", zap.Error(err))
		s.reply(logoffReply{Code: ExitFailure, Error: fmt.Sprintf(
			"cannot unmount %s: %v; close the programs that use files under it and run logoff again", s.cfg.mountpoint, err)})
	}
}

// logoff replays the journal to the server and records the outcome.
func (s *session) logoff(ctx context.Context) (logoffReply, error) {
	s.log.Info("logoff", zap.Int("event_id", event.LogoffStart), zap.Int("pending", s.j.PendingCount()))
	res, err := s.sy.Logoff(ctx)
	raw, _ := json.Marshal(res)
	uerr := s.cfg.layout.UpdateStatus(func(st *cachedir.Status) {
		st.Loaded, st.LastSyncResult = false, raw
		if err == nil {
			st.LastUploadTime = &res.Time
		}
	})
	reply := logoffReply{Result: &res, Code: ExitOK}
	if err != nil {
		reply.Code, reply.Error = ExitFailure, fmt.Sprintf(
			"logoff sync failed: %v; every change is kept in the journal: run `roamfs sync --cache %s` to finish", err, s.cfg.layout.Dir)
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
func (s *session) dropCache() {
	for _, d := range []string{s.cfg.layout.Profile(), s.cfg.layout.Journal()} {
		if err := os.RemoveAll(d); err != nil {
			s.log.Error("DeleteRoamingCache: cannot delete the cached copy", zap.String("dir", d), zap.Error(err))
		}
	}
	s.log.Info("DeleteRoamingCache: cached copy deleted after a successful logoff")
}

func (s *session) reply(r logoffReply) {
	s.mu.Lock()
	ws := s.waiters
	s.waiters = nil
	s.mu.Unlock()
	for _, w := range ws {
		w <- r
	}
}

// requestLogoff is what the control socket's /logoff calls: unmount, then wait
// for the sync's outcome.
func (s *session) requestLogoff() chan logoffReply {
	w := make(chan logoffReply, 1)
	s.mu.Lock()
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	select {
	case s.unmountQ <- struct{}{}:
	default:
	}
	return w
}

func (s *session) close() {
	if s.stopWarn != nil {
		s.stopWarn()
	}
	if s.hive != nil {
		s.hive.close()
	}
	if s.prof != nil {
		s.prof.Close()
	}
	s.jmu.Lock()
	s.closed = true
	s.jmu.Unlock()
	s.sy.Close()
	if err := s.j.Close(); err != nil {
		s.log.Error("close journal", zap.Error(err))
	}
	s.log.Sync()
}
