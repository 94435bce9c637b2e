package syncer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"roamfs/journal"
)

// The pull of a live round: what other machines wrote back is merged into
// the mounted cache by the logon table, for the paths this machine has not
// changed (no pending records) and that no program has open. Paths this
// machine changed are the next write-back's, by the logoff table.
//
// Cost: a round first reads the server's metadata (one request). Only when
// it differs from the one the last pull merged (another machine wrote back,
// or this one did) is the server looked at. When the index is the chain the
// last pull read with deltas added, only those deltas are read, and only
// their paths (and what lay under those gone) are compared with their bases
// (live_pull_delta.go): the cost follows the changes. Otherwise the whole
// namespace is listed, from the profile index when it can be trusted (a walk
// otherwise), and compared with every base. Only the paths that differ are
// looked at in the cache. A path left over because it was open is looked at
// again at the next round, alone.
//
// A file is replaced under Live.Exclusive: staged outside the profile first
// (downloaded, or a placeholder when the logon streams: the next open fetches
// the newest data), then renamed into place while no handle is open on it and
// its opens and name changes wait. The kernel's caches for it are then
// dropped through the invalidate function the session passes.

// PullState is what a session keeps between pulls.
type PullState struct {
	seen  string          // the server metadata the last pull merged
	retry map[string]bool // keys left over (open, changed meanwhile) or to refresh
	chain *IndexChain     // the index the last pull merged; nil when it walked
	top   []string        // the top level of chain, as the server spells it
}

// Refresh asks the next pull to look at these paths whatever the server's
// metadata says: a write-back round's paths whose server version won.
func (ps *PullState) Refresh(paths []string, key func(string) string) {
	if ps.retry == nil {
		ps.retry = map[string]bool{}
	}
	for _, p := range paths {
		ps.retry[key(p)] = true
	}
}

// Key is the syncer's name identity, for PullState.Refresh.
func (s *Syncer) Key(p string) string { return s.key(p) }

// PullResult counts what a pull did.
type PullResult struct {
	Looked   bool     `json:"looked"` // the server had changed: its namespace was read
	Replaced int      `json:"replaced"`
	Created  int      `json:"created"`
	Deleted  int      `json:"deleted"`
	Skipped  []string `json:"skipped,omitempty"` // open, or changed here meanwhile: next round
}

// Changed reports whether the pull changed the cache.
func (r PullResult) Changed() int { return r.Replaced + r.Created + r.Deleted }

// serverEntry is one path as the server has it (Server absent: gone).
type serverEntry struct {
	path string
	v    Version
}

// Pull merges the server's changes since the last pull into the cache.
// invalidate is called (outside every lock) for each path it changed.
func (s *Syncer) Pull(ctx context.Context, live Live, ps *PullState, invalidate func(rel string)) (PullResult, error) {
	var res PullResult
	m, err := s.ReadServerMeta(ctx)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	fp := metaPrint(m)
	if s.ix.ownDeltaLost(m.indexChain()) {
		// Two machines' rounds wrote their metadata at the same moment on
		// a store without compare-and-swap, and this one's index delta is
		// in no chain: what it wrote is invisible to the others' pulls.
		// The next round rewrites the index from a walk, even with nothing
		// to upload, and names it in new metadata, which every machine's
		// pull then reads whole.
		s.log.Info("another machine's write-back replaced this machine's index update on the server; the next round rebuilds the profile index")
		s.ix.markStale()
		s.ix.setMissing(true)
	}
	cands := map[string]serverEntry{}
	fromIndex := false
	chain, top := ps.chain, ps.top
	if fp != ps.seen {
		res.Looked = true
		// What lies below a folder not yet materialized has no bases: it
		// would all read as new on the server.
		if err := s.MaterializeAll(ctx); err != nil {
			return res, err
		}
		if chain, top, err = s.pullChanges(ctx, ps, m.indexChain(), cands); err != nil {
			return res, err
		}
		fromIndex = chain != nil
	}
	for k := range ps.retry {
		if _, ok := cands[k]; ok {
			continue
		}
		sp, err := s.serverSpelling(ctx, k)
		if err != nil {
			return res, err
		}
		v, err := s.serverStat(ctx, sp)
		if err != nil {
			return res, err
		}
		cands[k] = serverEntry{path: sp, v: v}
	}
	left, err := s.mergeLive(ctx, live, cands, fromIndex, &res, invalidate)
	if err != nil {
		return res, err
	}
	ps.seen, ps.retry, ps.chain, ps.top = fp, left, chain, top
	return res, nil
}

// MergeServerChanges merges changes found by VerifyAgainstServer as a pull
// merges the server's changes.
func (s *Syncer) MergeServerChanges(ctx context.Context, live Live, changes []ServerChange, ps *PullState, invalidate func(string)) (PullResult, error) {
	var res PullResult
	if err := s.MaterializeAll(ctx); err != nil {
		return res, err
	}
	cands := map[string]serverEntry{}
	for _, c := range changes {
		cands[s.key(c.Path)] = serverEntry{path: c.Path, v: c.Server}
	}
	left, err := s.mergeLive(ctx, live, cands, false, &res, invalidate)
	if err == nil {
		for k := range left {
			ps.Refresh([]string{k}, func(k string) string { return k })
		}
	}
	return res, err
}

// metaPrint identifies one write of the server metadata.
func metaPrint(m ServerMeta) string {
	gen := ""
	if c := m.indexChain(); c != nil {
		gen = c.tail().Generation
	}
	return fmt.Sprintf("%d/%s/%s/%d/%s", m.Version, m.Host, m.Session, m.LastUploadTime.UnixNano(), gen)
}

// serverSpelling is the server's spelling of key k (k itself when the
// server has none).
func (s *Syncer) serverSpelling(ctx context.Context, k string) (string, error) {
	p, _ := s.localPath(k)
	sp, _, err := s.serverPath(ctx, p)
	return sp, err
}

// pullChanges puts into cands every path where the server may differ from
// the base: from the deltas added to the chain the last pull read when the
// metadata names such a chain now, else from the whole listing. It returns
// the chain it read, with its top level; nil when it walked.
func (s *Syncer) pullChanges(ctx context.Context, ps *PullState, now *IndexChain, cands map[string]serverEntry) (*IndexChain, []string, error) {
	if extendsChain(now, ps.chain) && len(now.Deltas) > len(ps.chain.Deltas) {
		top, ok, err := s.pullDeltas(ctx, ps, now, cands)
		if err != nil || ok {
			return now, top, err
		}
	}
	return s.pullListing(ctx, cands)
}

// pullListing puts into cands every path where the server differs from the
// base: from the trusted index, or a walk. It returns the chain it read,
// with its top level; nil when it walked.
func (s *Syncer) pullListing(ctx context.Context, cands map[string]serverEntry) (*IndexChain, []string, error) {
	server := map[string]serverEntry{}
	add := func(p string, v Version) {
		if parentOf(p) == "" && s.cfg.Policy.IsHive(p) {
			return // the loaded hive is the hive stream's, never replaced live
		}
		server[s.key(p)] = serverEntry{path: p, v: v}
	}
	var chain *IndexChain
	var chainTop []string
	ix, snap, top, err := s.trustedIndex(ctx)
	switch {
	case err == nil:
		if _, err := s.feedIndex(ix, top, false, add); err != nil {
			return nil, nil, err
		}
		chain = snap.chain
		for _, i := range ix.top {
			chainTop = append(chainTop, i.Path)
		}
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	default:
		if err := s.walkServer(ctx, add); err != nil {
			return nil, nil, err
		}
	}
	err = s.cfg.Journal.Bases("", func(k string, b journal.Base) error {
		if !s.roams(k) || (parentOf(k) == "" && s.cfg.Policy.IsHive(k)) {
			return nil
		}
		sv, ok := server[k]
		if ok {
			delete(server, k)
			at := s.atServer(Step{Base: fromBase(b, true), Server: sv.v})
			if !at.Base.Same(at.Server) {
				cands[k] = sv
			}
			return nil
		}
		cands[k] = serverEntry{} // gone from the server
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read bases: %w", err)
	}
	for k, sv := range server { // new on the server
		cands[k] = sv
	}
	return chain, chainTop, nil
}

// mergeLive applies the logon table to cands (by key), children of a
// deleted folder before it, new folders before their files. It returns the
// keys left for the next round.
func (s *Syncer) mergeLive(ctx context.Context, live Live, cands map[string]serverEntry, fromIndex bool,
	res *PullResult, invalidate func(string)) (map[string]bool, error) {
	left := map[string]bool{}
	if len(cands) == 0 {
		return left, nil
	}
	pd, err := s.loadPending()
	if err != nil {
		return nil, err
	}
	seq := s.cfg.Journal.LastSeq()
	s.lnames.Reset()
	keys := make([]string, 0, len(cands))
	for k := range cands {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var dels []func() error
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if pd.covers(k) || !s.roams(k) {
			continue // changed here: the next write-back decides it
		}
		sv := cands[k]
		it, err := s.liveItem(ctx, k, sv, fromIndex)
		if err != nil {
			return nil, err
		}
		at := s.atServer(it)
		d := DecideLogon(false, at.Base, at.Server, at.Local)
		if s.isPlaceholder(k, it.Local) && !it.Server.Present() {
			d = Decision{ActDeleteLocal, "placeholder of a file deleted elsewhere"}
		}
		switch d.Action {
		case ActDownload:
			done, err := s.liveDownload(ctx, live, k, it, seq)
			if err != nil {
				return nil, err
			}
			s.noteLive(done, k, it, res, left, invalidate)
		case ActDeleteLocal:
			it := it
			dels = append(dels, func() error {
				done, err := s.liveDelete(live, k, it, seq)
				if err != nil {
					return err
				}
				s.noteLive(done, k, it, res, left, invalidate)
				return nil
			})
		case ActNothing:
			if it.Server.Present() {
				err = s.cfg.Journal.SetBases(map[string]journal.Base{k: it.Server.base()}, nil)
			} else if it.Base.Present() && !it.Local.Present() {
				err = s.cfg.Journal.SetBases(nil, []string{k})
			}
			if err != nil {
				return nil, err
			}
		}
	}
	for i := len(dels) - 1; i >= 0; i-- { // children before their folders
		if err := dels[i](); err != nil {
			return nil, err
		}
	}
	return left, nil
}

// liveItem is one candidate with its base and cache versions. A deletion
// read from the index is confirmed with the server itself, as a logon's
// (confirmGone): a stale index must not make a file vanish.
func (s *Syncer) liveItem(ctx context.Context, k string, sv serverEntry, fromIndex bool) (Step, error) {
	// The cache's spelling where it has the path; a new one takes the
	// server's name under the cache's spelling of its folder.
	lp, _ := s.localPath(k)
	if cur, _ := s.local.stat(lp); !cur.Present() && sv.path != "" {
		lp = sv.path
		if parent := parentOf(sv.path); parent != "" {
			lpp, _ := s.localPath(s.key(parent))
			lp = path.Join(lpp, path.Base(sv.path))
		}
	}
	it := Step{Path: lp, ServerPath: sv.path, Server: sv.v}
	b, ok, err := s.cfg.Journal.Base(k)
	if err != nil {
		return it, fmt.Errorf("base of %s: %w", lp, err)
	}
	it.Base = fromBase(b, ok)
	if it.Local, err = s.local.stat(lp); err != nil {
		return it, fmt.Errorf("stat cache %s: %w", lp, err)
	}
	if !sv.v.Present() && fromIndex && it.Base.Present() {
		i, err := s.cfg.Store.Stat(ctx, lp)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return it, fmt.Errorf("stat server %s: %w", lp, err)
		}
		if err == nil {
			i.Path = lp
			if s.acceptServerEntry(i, false) {
				it.ServerPath, it.Server = lp, fromStoreInfo(i)
				// The index lies about this path: the next round
				// rebuilds it, even with nothing to upload.
				s.ix.markStale()
				s.ix.setMissing(true)
			}
		}
	}
	return it, nil
}

func (s *Syncer) noteLive(done bool, k string, it Step, res *PullResult, left map[string]bool, invalidate func(string)) {
	if !done {
		left[k] = true
		res.Skipped = append(res.Skipped, it.Path)
		return
	}
	switch {
	case !it.Server.Present():
		res.Deleted++
	case it.Local.Present():
		res.Replaced++
	default:
		res.Created++
	}
	if invalidate != nil {
		invalidate(it.Path)
	}
}

// unchangedSince reports whether rel, which was local when decided, is
// still: no record was journaled since seq for its key, and it looks the same.
func (s *Syncer) unchangedSince(k string, it Step, seq uint64) (bool, error) {
	now, err := s.local.stat(it.Path)
	if err != nil || !now.Same(it.Local) {
		return false, err
	}
	if s.cfg.Journal.LastSeq() == seq {
		return true, nil
	}
	touched := false
	err = s.cfg.Journal.Scan(false, func(r journal.Record) error {
		if r.Seq > seq && (s.key(strings.Trim(r.Path, "/")) == k || s.key(strings.Trim(r.OldPath, "/")) == k) {
			touched = true
		}
		return nil
	})
	return !touched, err
}

// liveDownload brings the server's version of it into the cache. It reports
// false when the file is open or changed here meanwhile.
func (s *Syncer) liveDownload(ctx context.Context, live Live, k string, it Step, seq uint64) (bool, error) {
	v := it.Server
	if v.Kind == KindDir {
		made := false
		done, err := live.Exclusive(it.Path, func() error {
			if ok, err := s.unchangedSince(k, it, seq); err != nil || !ok {
				return err
			}
			if err := s.local.mkdir(it.Path, v); err != nil {
				return fmt.Errorf("create folder %s in cache: %w", it.Path, err)
			}
			made = true
			s.lnames.Reset()
			return s.cfg.Journal.SetBases(map[string]journal.Base{k: v.base()}, nil)
		})
		return done && made, err
	}
	sparse := s.cfg.Stream && v.Kind == KindFile && v.Size > 0
	var stage string
	if v.Kind == KindFile {
		var err error
		if sparse {
			stage, err = s.stageSparse(v)
		} else {
			stage, v, err = s.stageDownload(ctx, it.ServerPath)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return true, nil // gone since the listing: the next pull sees it
		}
		if err != nil {
			return false, err
		}
		defer os.Remove(stage) // gone once placed
	}
	var mark journal.Unfetched
	if sparse {
		// The mark goes down before its placeholder (unfetched.go).
		mark = markOf(it.Path, it.ServerPath, v)
		if err := s.cfg.Journal.SetUnfetched(map[string]journal.Unfetched{k: mark}, nil); err != nil {
			return false, err
		}
	}
	placed := false
	done, err := live.Exclusive(it.Path, func() error {
		ok, err := s.unchangedSince(k, it, seq)
		if err != nil || !ok {
			return err
		}
		s.fetches.place.Lock() // a fetch placing the old placeholder's data
		defer s.fetches.place.Unlock()
		if v.Kind == KindSymlink {
			err = s.local.symlink(it.Path, v)
		} else {
			if err = s.local.clearFor(it.Path, KindFile); err == nil {
				err = s.local.adopt(stage, it.Path)
			}
		}
		if err != nil {
			return fmt.Errorf("replace %s in cache: %w", it.Path, err)
		}
		placed = true
		if sparse {
			s.marks.put(k, mark)
		} else if _, was := s.marks.get(k); was {
			if err := s.dropMarks([]string{k}); err != nil {
				return err
			}
		}
		return s.cfg.Journal.SetBases(map[string]journal.Base{k: v.base()}, nil)
	})
	if sparse && !placed {
		s.cfg.Journal.SetUnfetched(nil, []string{k}) // not placed: stale
	}
	return done && placed, err
}

// liveDelete removes it from the cache (a folder only when empty).
func (s *Syncer) liveDelete(live Live, k string, it Step, seq uint64) (bool, error) {
	removed := false
	done, err := live.Exclusive(it.Path, func() error {
		ok, err := s.unchangedSince(k, it, seq)
		if err != nil || !ok {
			return err
		}
		s.fetches.place.Lock()
		defer s.fetches.place.Unlock()
		if err := s.local.remove(it.Path); err != nil {
			if it.Local.Kind == KindDir && isNotEmpty(err) {
				return nil // holds pending work or an open file
			}
			return fmt.Errorf("delete %s from cache: %w", it.Path, err)
		}
		removed = true
		if _, was := s.marks.get(k); was {
			if err := s.dropMarks([]string{k}); err != nil {
				return err
			}
		}
		return s.cfg.Journal.SetBases(nil, []string{k})
	})
	if err != nil {
		return false, err
	}
	return done && removed, nil
}

// stageDownload downloads the server's p into StageDir and returns its
// version as downloaded.
func (s *Syncer) stageDownload(ctx context.Context, p string) (string, Version, error) {
	r, info, err := s.cfg.Store.Open(ctx, p)
	if err != nil {
		return "", Version{}, err
	}
	defer r.Close()
	v := fromStoreInfo(info)
	stage, err := s.stage(r, v)
	return stage, v, err
}

// stageSparse writes a placeholder of v into StageDir.
func (s *Syncer) stageSparse(v Version) (string, error) {
	return s.stageWith("pull-*", v, func(f *os.File) error { return f.Truncate(v.Size) })
}
