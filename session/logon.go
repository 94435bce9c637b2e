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
	res, logonErr := s.sy.Logon(ctx)
	roaming := true
	if logonErr != nil {
		if !cachedProfile(cfg.Layout) {
			return fmt.Errorf("logon merge: %w", logonErr)
		}
		// Windows logs on with the locally cached profile (event 1521); so do
		// we, and the journal still records everything for the next sync.
		roaming = false
		s.log.Error("the server copy cannot be reached: logging on with the cached profile; this session does not roam",
			zap.Int("event_id", event.NewProfile), zap.Error(logonErr))
	}
	s.log.Info("logon merge done", zap.Int("event_id", event.LogonDone), zap.Bool("new_profile", res.NewProfile),
		zap.Int("downloaded", res.Downloaded), zap.Int("deleted_local", res.DeletedLocal))
	if err := s.mount(); err != nil {
		return err
	}
	s.hive = s.startHiveStream()
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
	m, err := s.cfg.Mount(s.cfg.Mountpoint, s.prof, s.cfg.Layout, s.cfg.Debug)
	if err != nil {
		return err
	}
	s.mnt = m
	return nil
}

// Abort takes down the mount of a session that never served: a failed logon,
// or a control socket that could not be opened.
func (s *Session) Abort() {
	if s.mnt != nil {
		s.mnt.Unmount()
	}
}
