package syncer

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"roamfs/event"

	"go.uber.org/zap"
)

// DefaultProfileDirs is Windows' Default User profile: what a user who has never
// logged on gets.
var DefaultProfileDirs = []string{
	"AppData", "AppData/Roaming", "AppData/Local", "AppData/LocalLow",
	"Contacts", "Desktop", "Documents", "Downloads", "Favorites", "Links",
	"Music", "Pictures", "Saved Games", "Searches", "Videos",
}

// defaultHive is an empty registry hive: the "regf" base block Windows writes
// at the start of every hive file, padded to the 4 KiB block, plus one empty
// 4 KiB hive bin, so tools that check the signature accept it.
func defaultHive() []byte {
	h := make([]byte, 8192)
	copy(h, "regf")
	copy(h[4096:], "hbin")
	return h
}

// createDefaultProfile seeds an empty server copy, as Windows copies Default
// User at a first logon. Nonroaming folders are created only in the cache.
func (s *Syncer) createDefaultProfile(ctx context.Context) error {
	s.log.Info("no profile on the server: creating one from the default profile",
		zap.Int("event_id", event.NewProfile), zap.String("server", s.cfg.Store.Root()))
	now := time.Now()
	toServer := !s.cfg.Policy.ReadOnlyProfile // read-only: the template lives in the cache only
	for _, d := range DefaultProfileDirs {
		var err error
		if s.roams(d) && toServer {
			err = s.cfg.Store.Mkdir(ctx, d, 0o700)
		} else {
			err = s.local.mkdir(d, Version{Kind: KindDir, Mode: 0o700})
		}
		if err != nil {
			return fmt.Errorf("create default profile folder %s: %w", d, err)
		}
	}
	for _, h := range s.cfg.Policy.HiveFiles {
		var err error
		if toServer {
			err = s.cfg.Store.Put(ctx, h, bytes.NewReader(defaultHive()), 0o600, now)
		} else {
			err = s.local.place(h, bytes.NewReader(defaultHive()), Version{Kind: KindFile, Mode: 0o600, MTime: now})
		}
		if err != nil {
			return fmt.Errorf("create default %s: %w", h, err)
		}
	}
	return nil
}
