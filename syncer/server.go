package syncer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/store"
)

// Reading the server copy: one path's version, the whole tree for a logon,
// whether there is a profile at all, and clearing what interrupted syncs left.

// serverStat is the server's version of p; absent is the zero Version.
func (s *Syncer) serverStat(ctx context.Context, p string) (Version, error) {
	i, err := s.statServerEntry(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		return Version{}, nil
	}
	if err != nil {
		return Version{}, fmt.Errorf("stat server %s: %w", p, err)
	}
	return fromStoreInfo(i), nil
}

func (s *Syncer) serverEmpty(ctx context.Context) (bool, error) {
	// The names of the top level are enough (on S3 one listing, where a
	// Walk would describe every object of the profile first).
	top, err := store.ListDir(ctx, s.cfg.Store, "", false)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read server copy %s: %w", s.cfg.Store.Root(), err)
	}
	for _, i := range top {
		if !isOwnServerFile(i.Path) && !isTemp(i.Path) {
			return false, nil
		}
	}
	return true, nil
}

func (s *Syncer) walkServer(ctx context.Context, fn func(p string, v Version)) error {
	err := s.cfg.Store.Walk(ctx, "", func(i store.Info) error {
		if !s.roams(i.Path) {
			if i.Kind == store.KindDir {
				return fs.SkipDir
			}
			return nil
		}
		if why := s.refuseServerEntry(i); why != "" {
			if s.onRefused != nil {
				s.onRefused(i.Path)
			}
			s.log.Warn("server copy entry skipped: "+why, zap.Int("event_id", event.SkippedEntry), zap.String("path", i.Path))
			if i.Kind == store.KindDir {
				return fs.SkipDir
			}
			return nil
		}
		fn(i.Path, fromStoreInfo(i))
		return nil
	})
	if err != nil {
		return fmt.Errorf("read server copy %s: %w", s.cfg.Store.Root(), err)
	}
	return nil
}

// CleanServerTemps removes the temporary files an interrupted sync left on the
// server. It runs where a sync is being finished (the replay at logon, `roamfs
// sync`), not at every logoff: another machine's upload in progress has a
// temporary file too, and removing it only makes that upload fail and retry.
func (s *Syncer) CleanServerTemps(ctx context.Context) {
	n, err := s.cfg.Store.CleanTemp(ctx)
	if err != nil {
		s.log.Warn("could not remove temporary files of an interrupted sync from the server", zap.Int("event_id", event.ServerTempsLeft), zap.Error(err))
	} else if n > 0 {
		s.log.Info("removed temporary files an interrupted sync left on the server", zap.Int("count", n))
	}
}
