package syncer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/store"
)

// Keeping the index: phase 2 of a logoff or write-back round writes it, then
// the metadata naming it. Usually that is a delta (index_chain.go) on the
// chain the metadata named when the logoff began: every path this syncer
// changed on the server stat-ed again, and the top level listed. The chain
// is not read for it when this syncer has checked it already (a logon or pull
// read it, or this syncer wrote it): the cost follows the changes, not the
// profile. When the deltas would grow past their bounds the chain is read
// and compacted: the new base is the old listing with the changed paths
// stat-ed again, and the old deltas are removed once the metadata no longer
// names them. The index is built from a walk instead when there is no old
// index to start from (the first logoff after an upgrade), when it cannot be
// trusted, when a verification found the server changed behind roamfs' back,
// and when another logoff wrote a new generation while this one ran: its
// changes and ours may interleave on the server, and only a walk sees the
// result. Two logoffs that both pass that last check before either writes
// still race (a directory store has no conditional write): the index of the
// one that loses misses the other's changes, which the next logon's
// verification finds (and confirmGone keeps it from deleting anything).

// indexState is the syncer's part of the index.
type indexState struct {
	mu       sync.Mutex
	logon    *indexSnapshot // what the last logon read, for VerifyAgainstServer
	stale    bool           // the server changed behind roamfs: rebuild from a walk
	verified *IndexChain    // the last chain read and found sane, or written here
	// missing: the last logon found no index it could use, so the next
	// logoff writes one even with nothing to upload. Otherwise a server
	// copy made without roamfs (a migration, an administrator's copy) would
	// be walked at every logon until its user changed something.
	missing bool
	rec     *recorder
	// own is the chain this syncer's last phase 2 named in the metadata.
	// On a store without compare-and-swap (a directory, a share) another
	// machine's phase 2 running at the same moment can write its metadata
	// over it; a pull that then finds the same base without this syncer's
	// delta knows the paths it wrote are in no index (ownDeltaLost).
	own *IndexChain
}

func (x *indexState) setOwn(c *IndexChain) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.own = c
}

// ownDeltaLost reports whether now, the chain the server's metadata names,
// is on the base this syncer last wrote a delta on but lacks that delta:
// another machine's metadata replaced this one's. It reports it once.
func (x *indexState) ownDeltaLost(now *IndexChain) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	own := x.own
	if own == nil || now == nil || len(own.Deltas) == 0 || now.Base.Generation != own.Base.Generation {
		return false
	}
	last := own.Deltas[len(own.Deltas)-1].Generation
	for _, d := range now.Deltas {
		if d.Generation == last {
			return false
		}
	}
	x.own = nil
	return true
}

// setVerified records a chain whose files were read and found sane, or that
// this syncer wrote: a delta may go on top of it without reading it again.
func (x *indexState) setVerified(c *IndexChain) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.verified = c
}

func (x *indexState) verifiedChain() *IndexChain {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.verified
}

func (x *indexState) setLogon(s *indexSnapshot) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.logon = s
}

func (x *indexState) logonSnapshot() *indexSnapshot {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.logon
}

func (x *indexState) markStale() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.stale = true
}

func (x *indexState) setMissing(m bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.missing = m
}

func (x *indexState) takeMissing() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	m := x.missing
	x.missing = false
	return m
}

func (x *indexState) takeStale() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.stale
	x.stale = false
	return s
}

// recorder is a Store that remembers every path written through it since the
// last drain: a logoff's steps, their conflict copies and parent folders, the
// background hive uploads.
type recorder struct {
	store.Store
	mu      sync.Mutex
	changed map[string]struct{}
}

// Unwrap lets store.LimitsOf and store.ConditionalOf find the store below
// (SMB's limits, S3's conditional writes).
func (r *recorder) Unwrap() store.Store { return r.Store }

func newRecorder(s store.Store) *recorder {
	return &recorder{Store: s, changed: map[string]struct{}{}}
}

// OpenFolder passes the wrapped store's held-open folders through (a
// download of many files depends on them); reading records nothing.
func (r *recorder) OpenFolder(ctx context.Context, rel string) (store.Folder, error) {
	return store.OpenFolder(ctx, r.Store, rel)
}

var _ store.FolderOpener = (*recorder)(nil)

func (r *recorder) note(rel string) {
	if isOwnServerFile(rel) {
		return
	}
	r.mu.Lock()
	r.changed[rel] = struct{}{}
	r.mu.Unlock()
}

func (r *recorder) drain() map[string]struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.changed
	r.changed = map[string]struct{}{}
	return c
}

// restore gives back what drain took, for a phase 2 that failed.
func (r *recorder) restore(paths map[string]struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p := range paths {
		r.changed[p] = struct{}{}
	}
}

func (r *recorder) Put(ctx context.Context, rel string, rd io.Reader, mode fs.FileMode, mtime time.Time) error {
	r.note(rel)
	return r.Store.Put(ctx, rel, rd, mode, mtime)
}

func (r *recorder) PutVia(ctx context.Context, rel, tmp string, rd io.Reader, mode fs.FileMode, mtime time.Time) error {
	r.note(rel)
	return r.Store.PutVia(ctx, rel, tmp, rd, mode, mtime)
}

func (r *recorder) Mkdir(ctx context.Context, rel string, mode fs.FileMode) error {
	r.note(rel)
	return r.Store.Mkdir(ctx, rel, mode)
}

func (r *recorder) Symlink(ctx context.Context, target, rel string) error {
	r.note(rel)
	return r.Store.Symlink(ctx, target, rel)
}

func (r *recorder) Remove(ctx context.Context, rel string) error {
	r.note(rel)
	return r.Store.Remove(ctx, rel)
}

func (r *recorder) SetTimes(ctx context.Context, rel string, mtime time.Time) error {
	r.note(rel)
	return r.Store.SetTimes(ctx, rel, mtime)
}

// indexUpdate is what phase 2 needs of the time before phase 1: the
// metadata then, to start from its index and to see whether another logoff
// wrote a generation since.
type indexUpdate struct {
	before *IndexChain
}

// beginIndexUpdate runs before a logoff's phase 1 changes anything.
func (s *Syncer) beginIndexUpdate(ctx context.Context) *indexUpdate {
	m, err := s.ReadServerMeta(ctx)
	if err != nil {
		return &indexUpdate{}
	}
	return &indexUpdate{before: m.indexChain()}
}

// writeServerState is phase 2's write to the server: the index, then the
// metadata naming it. An index that cannot be written is left out of the
// metadata (the next logon walks); only the metadata failing fails the logoff.
func (s *Syncer) writeServerState(ctx context.Context, at time.Time, plan *Plan, iu *indexUpdate) error {
	touched := s.ix.rec.drain()
	for _, st := range plan.Steps {
		// A replayed logoff's steps may find the server already done
		// (nothing written now), but the index may predate them.
		if st.ServerPath != "" {
			touched[st.ServerPath] = struct{}{}
		}
	}
	w, err := s.writeIndex(ctx, iu, touched)
	if err != nil {
		if ctx.Err() != nil {
			s.ix.rec.restore(touched)
			return ctx.Err()
		}
		s.log.Warn("the profile index could not be written; the next logon reads the whole server copy", zap.Int("event_id", event.IndexFailed), zap.Error(err))
		w = &indexWrite{}
	}
	if err := s.writeServerMeta(ctx, at, w.chain); err != nil {
		// The next attempt (a logoff that lost a race plans again) or
		// logoff writes them: a conflict copy this one wrote is in no plan.
		s.ix.rec.restore(touched)
		if w.chain != nil && len(w.chain.Deltas) == 0 {
			// This base replaced the one the winner's metadata may name
			// (one name, no conditional write across two objects): the
			// next attempt reads the chain again rather than trust what
			// this syncer verified, finds it does not match, and rewrites
			// it from a walk.
			s.ix.setVerified(nil)
		}
		return err
	}
	s.ix.setVerified(w.chain)
	s.ix.setOwn(w.chain)
	s.dropDeltas(ctx, w.replaced, w.chain)
	return nil
}

// indexWrite is what writeIndex wrote: the chain to name, and the chain it
// replaced when it wrote a new base (its deltas go once the metadata no
// longer names them).
type indexWrite struct {
	chain    *IndexChain
	replaced *IndexChain
}

func (s *Syncer) writeIndex(ctx context.Context, iu *indexUpdate, touched map[string]struct{}) (*indexWrite, error) {
	var before *IndexChain
	if iu != nil {
		before = iu.before
	}
	entries, why := s.indexBase(ctx, before, len(touched))
	if why == "" && entries == nil {
		// A delta on a chain known good.
		w, err := s.writeDelta(ctx, before, touched)
		if err != nil || w != nil {
			return w, err
		}
		why = "another logoff wrote the index while this one ran"
	}
	if entries != nil {
		for p := range touched {
			if err := s.restat(ctx, entries, p); err != nil {
				return nil, err
			}
		}
		if err := s.refreshTop(ctx, entries); err != nil {
			return nil, err
		}
		// Just before writing: has another logoff written a generation since
		// this one began? Its changes and ours may interleave.
		if now := s.currentIndexChain(ctx); !sameChain(now, before) {
			entries, why = nil, "another logoff wrote the index while this one ran"
		}
	}
	walked := entries == nil
	if walked {
		s.log.Info("the profile index is rebuilt from a walk of the server copy", zap.String("reason", why))
		var err error
		if entries, err = s.walkAll(ctx); err != nil {
			return nil, err
		}
	}
	data, ref := encodeIndex(newGeneration(), entries, walked)
	if err := s.cfg.Store.Put(ctx, IndexName, bytes.NewReader(data), 0o600, time.Time{}); err != nil {
		return nil, fmt.Errorf("write profile index: %w", err)
	}
	return &indexWrite{chain: &IndexChain{Base: ref}, replaced: before}, nil
}

// indexBase says how to update the index before, for a logoff that changed
// about n paths: nil and "" for a delta (before is sane and has room), the
// listing to update for a new base, or nil and why a walk is needed.
func (s *Syncer) indexBase(ctx context.Context, before *IndexChain, n int) (map[string]store.Info, string) {
	if s.ix.takeStale() {
		return nil, "the server copy changed behind roamfs"
	}
	if before == nil {
		return nil, "there was none"
	}
	compact := before.wantsCompaction(n)
	if v := s.ix.verifiedChain(); !compact && extendsChain(before, v) {
		// Known good up to v: only the deltas written since are checked.
		if _, err := s.readDeltas(ctx, before, len(v.Deltas)); err != nil {
			return nil, err.Error()
		}
		s.ix.setVerified(before)
		return nil, ""
	}
	ix, _, err := s.readChain(ctx, before)
	if err != nil {
		return nil, err.Error()
	}
	s.ix.setVerified(before)
	if !compact {
		return nil, ""
	}
	return ix.toMap(), ""
}

func (s *Syncer) currentIndexChain(ctx context.Context) *IndexChain {
	m, err := s.ReadServerMeta(ctx)
	if err != nil {
		return nil
	}
	return m.indexChain()
}

// restat puts the server's state of p into entries, with any parent folder
// the entries lack.
func (s *Syncer) restat(ctx context.Context, entries map[string]store.Info, p string) error {
	if badIndexPath(p) != "" || isTemp(p) {
		return nil
	}
	i, err := s.cfg.Store.Stat(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		delete(entries, p) // what was below it goes when encoded
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat server %s: %w", p, err)
	}
	i.Path = p
	entries[p] = i
	if d := parentOf(p); d != "" {
		if e, ok := entries[d]; !ok || e.Kind != store.KindDir {
			return s.restat(ctx, entries, d)
		}
	}
	return nil
}

// refreshTop takes the top level live: a logoff's uploads move the mtimes of
// the folders they land in, which the next logon's top-level check compares.
func (s *Syncer) refreshTop(ctx context.Context, entries map[string]store.Info) error {
	top, err := s.listTop(ctx)
	if err != nil {
		return err
	}
	for p, i := range entries {
		if parentOf(p) == "" {
			if _, ok := top[p]; !ok {
				delete(entries, p)
			} else if i.Kind == store.KindDir && top[p].Kind != store.KindDir {
				delete(entries, p)
			}
		}
	}
	for p, i := range top {
		entries[p] = i
	}
	return nil
}

// walkAll lists the whole server copy for an index: every entry, nonroaming
// and refused ones included (machines with other policies share the index;
// readers filter), roamfs' own files and temporaries left out.
func (s *Syncer) walkAll(ctx context.Context) (map[string]store.Info, error) {
	entries := map[string]store.Info{}
	err := s.cfg.Store.Walk(ctx, "", func(i store.Info) error {
		if isOwnServerFile(i.Path) || isTemp(i.Path) {
			if i.Kind == store.KindDir {
				return fs.SkipDir // the deltas' folder; a temporary folder has nothing of the profile
			}
			return nil
		}
		entries[i.Path] = i
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk server copy %s: %w", s.cfg.Store.Root(), err)
	}
	return entries, nil
}

// RefreshIndex rebuilds the server's index from a walk and names it in the
// metadata, keeping the metadata's version and upload time: a full reconcile
// that had nothing to change still leaves an index that lists what an
// administrator put on the server. Read-only profiles are never written.
func (s *Syncer) RefreshIndex(ctx context.Context) error {
	if ro, _ := s.ReadOnly(ctx); ro {
		return nil
	}
	s.ix.markStale()
	w, err := s.writeIndex(ctx, nil, nil)
	if err != nil {
		return err
	}
	m, err := s.ReadServerMeta(ctx)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	replaced := m.indexChain()
	m.setIndexChain(w.chain)
	if err := s.putServerMeta(ctx, m, m.LastUploadTime); err != nil {
		return err
	}
	s.ix.setVerified(w.chain)
	s.dropDeltas(ctx, replaced, w.chain)
	return nil
}
