package session

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/event"
	"roamfs/overlay"
)

// Logon merges the server copy into the cache, mounts the profile and starts
// what runs beside the mount: the hive stream and the size-limit warnings.
// On an error the caller unmounts (Abort) and closes.
func (s *Session) Logon(ctx context.Context) error {
	cfg := s.cfg
	s.log.Info("logon", zap.Int("event_id", event.LogonStart), zap.String("server", cfg.Server),
		zap.String("mountpoint", cfg.Mountpoint))
	err := cfg.Layout.UpdateStatus(func(st *cachedir.Status) {
		st.LocalPath, st.RoamingPath, st.CacheDir = cfg.Mountpoint, cfg.Server, cfg.Layout.Dir
		st.Session, st.Host, st.PID, st.PolicyFile = s.id, s.host, os.Getpid(), cfg.PolicyFile
		st.CredentialsFile = cfg.Credentials
		st.S3Endpoint, st.S3PathStyle = cfg.S3.Endpoint, cfg.S3.PathStyle
		st.Loaded, st.Status = false, cachedir.StatusRoaming
	})
	if err != nil {
		return err
	}
	restoreGC := tightenGC()
	res, logonErr := s.sy.Logon(ctx)
	restoreGC()
	roaming := true
	if logonErr != nil {
		if !cachedProfile(cfg.Layout) {
			return fmt.Errorf("the server side: logon merge: %w; nothing was mounted and the cache is as it was: fix the server copy (or its share) and log on again", logonErr)
		}
		// Windows logs on with the locally cached profile (event 1521); so do
		// we, and the journal still records everything for the next sync.
		roaming = false
		s.log.Error("the server copy cannot be reached: logging on with the cached profile; this session does not roam",
			zap.Int("event_id", event.NewProfile), zap.Error(logonErr))
	}
	files, bytes := s.sy.Unfetched()
	s.log.Info("logon merge done", zap.Int("event_id", event.LogonDone), zap.Bool("new_profile", res.NewProfile),
		zap.Int("downloaded", res.Downloaded), zap.Int("deleted_local", res.DeletedLocal),
		zap.Int("not_yet_local", files), zap.Int64("bytes_not_yet_local", bytes))
	if err := s.mount(); err != nil {
		return err
	}
	s.hive = s.startHiveStream()
	s.fill = s.startFill()
	s.wb = s.startWriteBack()
	warnCtx, stop := context.WithCancel(context.Background())
	s.stopWarn = stop
	go s.warnOverQuota(warnCtx)
	now := time.Now()
	return cfg.Layout.UpdateStatus(func(st *cachedir.Status) {
		st.Loaded, st.LastUseTime = true, &now
		st.NotRoamingReason = ""
		if !roaming {
			st.Status &^= cachedir.StatusRoaming
			st.NotRoamingReason = fmt.Sprintf("the server copy could not be reached at logon (%v): the cached profile is in use", logonErr)
		}
		if res.Time.After(time.Time{}) {
			st.LastDownloadTime = &res.Time
		}
		st.FilesPending, st.BytesPending = &files, &bytes
	})
}

// mount gives the profile folder to its user and serves it.
func (s *Session) mount() error {
	if o := s.cfg.User.Owner; o != nil {
		// The mount's root is the cache's profile folder: the user's, closed
		// to everybody else (root passes anyway).
		if err := os.Chown(s.cfg.Layout.Profile(), o.UID, o.GID); err != nil {
			return fmt.Errorf("give the profile to %s: %w", s.cfg.User.Name, err)
		}
	}
	if err := os.Chmod(s.cfg.Layout.Profile(), 0o700); err != nil {
		return err
	}
	var err error
	if s.prof, err = overlay.New(s.cfg.Layout.Profile(), s.j, s.cfg.Policy, s.id, s.log); err != nil {
		return err
	}
	// Placeholders of a streamed logon are fetched when opened; so are
	// those an earlier session left, even if this one does not stream.
	s.prof.SetFetcher(s.sy, s.cfg.Policy.PSFetchTimeout)
	s.prof.SetMaterializer(s.sy)
	s.sy.OnFetched(s.fetched)
	m, err := s.cfg.Mount(s.cfg.Mountpoint, s.prof, s.cfg.Layout, s.cfg.Debug)
	if err != nil {
		return fmt.Errorf("the mount point: %w; the cache and the server copy are fine: check that %s is an empty folder nothing else mounts on, then log on again", err, s.cfg.Mountpoint)
	}
	s.mu.Lock()
	s.mnt = m
	s.mu.Unlock()
	return nil
}

// fetched follows a fetch that placed rel's data: an open's is an event, and
// a file the server had changed since the logon is dropped from the kernel's
// caches (its size or times may differ from the placeholder's).
func (s *Session) fetched(rel string, replaced, opened bool) {
	if opened {
		s.log.Info("a file not yet local was fetched because it was opened",
			zap.Int("event_id", event.FetchedOnOpen), zap.String("path", rel), zap.Bool("newer_on_server", replaced))
	}
	s.mu.Lock() // a fetch may come before Mount returned and set mnt
	inv, ok := s.mnt.(interface{ InvalidatePath(string) error })
	s.mu.Unlock()
	if replaced && ok {
		// Never from inside the FUSE request that waits for this fetch.
		go inv.InvalidatePath(rel)
	}
}

// Abort takes down the mount of a session that never served: a failed logon,
// or a control socket that could not be opened.
func (s *Session) Abort() {
	if s.mnt != nil {
		s.mnt.Unmount()
	}
}
