package syncer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/journal"
)

// Logon brings the server copy into the cache by DESIGN.md's logon table. An
// earlier session's unsynced journal is replayed first (a crash or a failed
// logoff); a server copy that is missing or empty is created from the default
// profile. Paths with pending changes are never overwritten or deleted.
func (s *Syncer) Logon(ctx context.Context) (LogonResult, error) {
	res := LogonResult{}
	if n := s.cfg.Journal.PendingCount(); n > 0 {
		s.log.Warn("unsynced changes of an earlier session found; merging them into the server first",
			zap.Int("event_id", event.ReplayingJournal), zap.Int("records", n))
		s.CleanServerTemps(ctx)
		r, err := s.Logoff(ctx)
		res.Replayed = &r
		if err != nil {
			s.log.Error("replaying the earlier session failed; its changes stay pending in the journal", zap.Int("event_id", event.UploadFailed), zap.Error(err))
		}
	}
	empty, err := s.serverEmpty(ctx)
	if err != nil {
		return res, err
	}
	if empty && s.hasBases() {
		// This cache has synced with a server copy that now looks empty: a
		// share that is not mounted, or a folder restored wrongly — not a new
		// user. Treating it as new would delete the cached profile.
		return res, fmt.Errorf("the server copy %s is missing or empty, but this cache last synced a profile with it: "+
			"check the share; the cached profile is kept", s.cfg.Store.Root())
	}
	if empty {
		if err := s.createDefaultProfile(ctx); err != nil {
			return res, err
		}
		res.NewProfile = true
		if s.cfg.Policy.ReadOnlyProfile {
			// The template lives in the cache only; there is nothing to merge.
			res.Time = time.Now()
			return res, nil
		}
	}
	// Folders an earlier session left unmaterialized: this logon's table
	// brings what lies below them (lazy.go). Only now that the server has
	// answered: a session started from the cache materializes them itself.
	if err := s.dropLazy(); err != nil {
		return res, err
	}
	pd, err := s.loadPending()
	if err != nil {
		return res, err
	}
	steps, err := s.planLogon(ctx, pd, &res)
	if err != nil {
		return res, err
	}
	if err := s.applyLogon(ctx, steps, &res); err != nil {
		return res, err
	}
	if err := s.materializeEmpty(); err != nil {
		return res, err
	}
	// Nonroaming folders never come from the server: each machine gets its
	// own, as Windows creates AppData\Local from Default User.
	for _, d := range DefaultProfileDirs {
		if v, _ := s.local.stat(d); !s.roams(d) && !v.Present() {
			if err := s.local.mkdir(d, Version{Kind: KindDir, Mode: 0o700}); err != nil {
				return res, fmt.Errorf("create %s in cache: %w", d, err)
			}
		}
	}
	res.Time = time.Now()
	return res, nil
}

func (s *Syncer) hasBases() bool {
	found := false
	s.cfg.Journal.Bases("", func(string, journal.Base) error { found = true; return errStopWalk })
	return found
}

// planLogon decides every path the server, the cache or the base knows, and
// returns them in key order. The steps are the view's own: copying them
// (and their sort keys) doubled a large logon's heap.
// A streamed logon leaves folders unmaterialized (lazy.go): their marks are
// written here, before the steps create them, and counted in res.
func (s *Syncer) planLogon(ctx context.Context, pd *pending, res *LogonResult) ([]*Step, error) {
	var lz *lazyPlan
	if s.cfg.Stream && s.cfg.NamespaceFile != "" {
		lz = newLazyPlan(s, pd)
	}
	s.prog.start(PhaseListing, 0, 0)
	v, err := s.gather(ctx, false, lz)
	if err != nil {
		return nil, err
	}
	// Sorted by key computed once per path, not twice per comparison.
	type keyed struct {
		k  string
		st *Step
	}
	ks := make([]keyed, 0, len(v.steps))
	for k, st := range v.steps {
		if v.blocked(k) {
			st.Decision = Decision{ActNothing, "names differing only in case: left untouched"}
			st.ServerPath = ""
		} else if m, ok := s.marks.get(k); ok && holds(m, st.Local) {
			// A placeholder is not data: the cache holds the version it
			// stands for, whatever base a crash may have left behind.
			st.Decision = DecideLogon(pd.covers(k), st.Local, st.Server, st.Local)
		} else {
			at := s.atServer(*st)
			st.Decision = DecideLogon(pd.covers(k), at.Base, at.Server, at.Local)
		}
		if !s.isKey(k, st.Path) {
			k = s.key(st.Path)
		}
		ks = append(ks, keyed{k, st})
	}
	if lz != nil {
		files, bytes, err := s.markLazy(lz, v)
		if err != nil {
			return nil, fmt.Errorf("keep the folders left unmaterialized: %w", err)
		}
		res.Placeholders += files
		res.PlaceholderBytes += bytes
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.k, b.k) })
	steps := make([]*Step, len(ks))
	for i, x := range ks {
		steps[i] = x.st
	}
	return steps, nil
}

// applyLogon deletes from the cache what was deleted elsewhere (children
// first), then brings down folders (parents first) and files (in parallel).
func (s *Syncer) applyLogon(ctx context.Context, steps []*Step, res *LogonResult) error {
	set := map[string]journal.Base{}
	var del []string
	var files, holders []*Step
	// keep: the marks of placeholders that stay or are placed (unfetched.go);
	// every other mark is dropped at the end, once its path holds data or is gone.
	keep := map[string]journal.Unfetched{}
	fresh := map[string]journal.Unfetched{} // the new ones among them
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		if st.Action == ActDownload && st.Local.Kind == KindFile && s.isPlaceholder(s.key(st.Path), st.Local) {
			// A placeholder the server has replaced goes before its mark
			// changes: a mark never describes another placeholder than the
			// one in the cache, so a crash cannot leave zeros taken for data.
			if err := s.local.remove(st.Path); err != nil {
				return fmt.Errorf("replace placeholder %s in cache: %w", st.Path, err)
			}
			st.Local = Version{}
		}
		if st.Action != ActDeleteLocal {
			continue
		}
		if err := s.local.remove(st.Path); err != nil {
			if st.Local.Kind == KindDir && isNotEmpty(err) {
				continue // holds pending work
			}
			return fmt.Errorf("delete %s from cache: %w", st.Path, err)
		}
		res.DeletedLocal++
		del = append(del, s.key(st.Path))
	}
	var kept []journal.Record
	readOnly, _ := s.ReadOnly(ctx)
	for i, st := range steps {
		// Each step is let go once handled, and a downloaded file's once
		// placed (downloadRun), so the steps shrink as the bases grow.
		steps[i] = nil
		switch {
		case st.Action == ActDownload && st.Server.Kind == KindDir:
			if err := s.local.mkdir(st.Path, st.Server); err != nil {
				return fmt.Errorf("create folder %s in cache: %w", st.Path, err)
			}
			set[s.key(st.Path)] = st.Server.base()
		case st.Action == ActDownload && s.streams(st):
			holders = append(holders, st)
			m := markOf(st.Path, st.ServerPath, st.Server)
			keep[s.key(st.Path)], fresh[s.key(st.Path)] = m, m
		case st.Action == ActDownload:
			files = append(files, st)
		case st.Action == ActKeepPending || (st.Action == ActNothing && st.ServerPath == ""):
			// pending here (its base stays the old one), or left untouched
			s.keepPlaceholder(st, keep)
		case st.Action == ActNothing && st.Server.Present():
			s.keepPlaceholder(st, keep)
			// Rewriting every unchanged base at every logon would make logon
			// and logoff cost grow with the profile: only changed ones.
			if !st.Base.Same(st.Server) || !st.Base.MTime.Equal(st.Server.MTime) {
				set[s.key(st.Path)] = st.Server.base()
			}
		case st.Action == ActNothing && !st.Server.Present() && st.Base.Present() && !st.Local.Present():
			del = append(del, s.key(st.Path))
		case st.Action == ActKeepLocal && readOnly:
			// A read-only profile's session changes were discarded at logoff.
			if err := s.local.remove(st.Path); err != nil && !isNotEmpty(err) {
				return fmt.Errorf("discard %s from cache: %w", st.Path, err)
			}
		case st.Action == ActKeepLocal:
			s.log.Warn("a cache file unknown to the server and to the last sync is kept and will be uploaded",
				zap.Int("event_id", event.KeptLocal), zap.String("path", st.Path))
			kept = append(kept, journal.Record{Time: time.Now(), Session: s.cfg.Session, Op: journal.OpCreate, Path: st.Path, Size: st.Local.Size})
			res.KeptLocal++
		}
	}
	// The marks go down before their placeholders: see unfetched.go.
	if err := s.cfg.Journal.SetUnfetched(fresh, nil); err != nil {
		return err
	}
	// One phase for both: its percentage only ever grows.
	var total int64
	for _, st := range files {
		total += st.Server.Size
	}
	s.prog.start("logon", int64(len(holders)+len(files)), total)
	err := s.downloadAll(ctx, holders, true, func(st *Step, v Version) {
		set[s.key(st.Path)] = v.base()
		res.Placeholders++
		res.PlaceholderBytes += v.Size
	})
	if err != nil {
		return err
	}
	err = s.downloadAll(ctx, files, false, func(st *Step, v Version) {
		set[s.key(st.Path)] = v.base()
		res.Downloaded++
	})
	if err != nil {
		return err
	}
	if len(kept) > 0 {
		if _, err := s.cfg.Journal.Append(kept...); err != nil {
			return fmt.Errorf("journal kept cache files: %w", err)
		}
	}
	if err := s.cfg.Journal.SetBases(set, del); err != nil {
		return fmt.Errorf("record bases: %w", err)
	}
	return s.keepOnly(keep)
}

// keepPlaceholder keeps the mark of st's cache file if it is a placeholder.
func (s *Syncer) keepPlaceholder(st *Step, keep map[string]journal.Unfetched) {
	k := s.key(st.Path)
	if m, ok := s.marks.get(k); ok && holds(m, st.Local) {
		keep[k] = m
	}
}

// keepOnly makes keep the marks, durably and in memory: the others' paths
// hold data now, are gone, or never were placeholders (stale).
func (s *Syncer) keepOnly(keep map[string]journal.Unfetched) error {
	var drop []string
	for k := range s.marks.under("") {
		if _, ok := keep[k]; !ok {
			drop = append(drop, k)
		}
	}
	if err := s.cfg.Journal.SetUnfetched(nil, drop); err != nil {
		return err
	}
	for _, k := range drop {
		s.marks.drop(k)
	}
	for k, m := range keep {
		s.marks.put(k, m)
	}
	return nil
}

var errStopWalk = errors.New("stop walk")
