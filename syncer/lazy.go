package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/journal"
	"roamfs/store"
)

// Lazy folders (DESIGN.md, "Streamed logon"): a streamed logon leaves a
// server folder the cache lacks entirely (on a pooled desktop's first logon,
// every folder) unmaterialized: the folder is created empty, marked in the
// journal (journal.Unmaterialized), and what lies below it is kept in the
// namespace file (lazy_namespace.go). The logon's work then no longer grows
// with the profile.
//
// Materializing a folder creates its files as placeholders (unfetched.go) and
// its subfolders empty, each marked in turn, exactly as the logon would have,
// and then drops the folder's mark. It happens before anything looks inside
// the folder: the overlay asks (Materialize) before every operation that
// resolves a path below a marked folder or lists one; the background fill
// materializes everything first (MaterializeAll); so do the whole-cache
// consumers (a full or mirror sync, a live pull that lists the server).
//
// Why nothing below a marked folder can be the user's: every operation there
// waited for the folder's materialization. So a materialization that a crash
// interrupted is simply done again, replacing what it had placed; and the
// next logon drops the marks of an earlier session (dropLazy): the logon
// table then finds the placeholders by their fetch marks and brings what is
// missing below the folders, as for any folder the cache holds.
//
// A marked folder never looks deleted locally: its entries have no bases
// until they exist in the cache (the bases are written after the entries),
// and a logoff only ever compares what it journaled with the bases.
//
// Lock order: lazyDirs.mat, then fetches.place (not taken here), then
// lazyDirs.mu, then unfetched.mu.

// lazyDirs is the in-memory table of the folder marks, by key.
type lazyDirs struct {
	mat sync.Mutex // one materialization at a time; held while one runs
	ns  *namespace // opened on first use, under mat
	// empty: server folders a deferred logon knows hold nothing
	// (lazy_defer.go), materialized without the namespace; nil unless the
	// logon deferred. Under mat.
	empty map[string]bool

	mu                    sync.Mutex
	m                     map[string]journal.Unmaterialized
	files, bytes, entries int64
	n                     atomic.Int64 // len(m), read without the lock: the overlay asks for every path
}

func (l *lazyDirs) get(k string) (journal.Unmaterialized, bool) {
	if l.n.Load() == 0 {
		return journal.Unmaterialized{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	u, ok := l.m[k]
	return u, ok
}

func (l *lazyDirs) put(k string, u journal.Unmaterialized) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]journal.Unmaterialized{}
	}
	if old, ok := l.m[k]; ok {
		l.files, l.bytes, l.entries = l.files-old.Files, l.bytes-old.Bytes, l.entries-old.Entries
	}
	l.m[k] = u
	l.files, l.bytes, l.entries = l.files+u.Files, l.bytes+u.Bytes, l.entries+u.Entries
	l.n.Store(int64(len(l.m)))
}

func (l *lazyDirs) drop(k string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.m[k]; ok {
		l.files, l.bytes, l.entries = l.files-old.Files, l.bytes-old.Bytes, l.entries-old.Entries
		delete(l.m, k)
	}
	l.n.Store(int64(len(l.m)))
}

// counts is what lies below the marked folders: files with data, their
// bytes, every entry.
func (l *lazyDirs) counts() (files, bytes, entries int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.files, l.bytes, l.entries
}

// keys lists the marked folders at or below k ("" = all), shallowest first.
func (l *lazyDirs) keys(k string) []string {
	l.mu.Lock()
	var out []string
	for mk := range l.m {
		if k == "" || mk == k || strings.HasPrefix(mk, k+"/") {
			out = append(out, mk)
		}
	}
	l.mu.Unlock()
	slices.SortFunc(out, func(a, b string) int {
		if d := strings.Count(a, "/") - strings.Count(b, "/"); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

// loadLazy reads the journal's folder marks into memory.
func (s *Syncer) loadLazy() error {
	s.lazy.mu.Lock()
	s.lazy.m, s.lazy.files, s.lazy.bytes, s.lazy.entries = map[string]journal.Unmaterialized{}, 0, 0, 0
	s.lazy.n.Store(0)
	s.lazy.mu.Unlock()
	err := s.cfg.Journal.EachUnmaterialized(func(k string, u journal.Unmaterialized) error {
		s.lazy.put(k, u)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the folders not yet materialized: %w", err)
	}
	return nil
}

// dropLazy forgets every folder mark: a logon starts, and its table brings
// into the cache what lies below the folders an earlier session left
// unmaterialized (see the top of this file). What a materialization cut
// short by a crash placed in a marked folder goes first (clearMarked).
func (s *Syncer) dropLazy() error {
	s.lazy.mat.Lock()
	s.lazy.empty = nil
	s.lazy.mat.Unlock()
	ks := s.lazy.keys("")
	if len(ks) == 0 {
		return nil
	}
	if err := s.clearMarked(ks); err != nil {
		return err
	}
	s.log.Info("folders an earlier session left unmaterialized are merged by this logon", zap.Int("folders", len(ks)))
	if err := s.cfg.Journal.SetUnmaterialized(nil, ks); err != nil {
		return err
	}
	for _, k := range ks {
		s.lazy.drop(k)
	}
	return nil
}

// clearMarked empties the marked folders ks (shallowest first) in the cache.
// Nothing in a marked folder is the user's (see the top of this file): what
// is there was placed by a materialization a crash cut short, and it may be
// incomplete. A fill writes the files it downloads with their folder straight
// to their names (no temporary name and rename each: a tenth of the fill's
// time), and a placeholder that replaced a failed download is marked only
// after it is placed; left to the logon table, either would be taken for a
// file the server's version describes (its size, mode and mtime are the
// server's), or for a new file of the user's. Emptied, the folder is filled
// by the table like any other. A marked folder that has never been
// materialized is empty: a listing each.
func (s *Syncer) clearMarked(ks []string) error {
	removed := 0
	for _, k := range ks {
		m, ok := s.lazy.get(k)
		if !ok {
			continue
		}
		f, err := s.local.root.Open(name(m.Path))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			continue // below a folder cleared already, or gone
		}
		if err != nil {
			return fmt.Errorf("clear unmaterialized folder %s: %w", m.Path, err)
		}
		names, err := f.Readdirnames(-1)
		f.Close()
		if err != nil {
			if errors.Is(err, syscall.ENOTDIR) {
				continue
			}
			return fmt.Errorf("clear unmaterialized folder %s: %w", m.Path, err)
		}
		for _, n := range names {
			if err := s.local.root.RemoveAll(name(path.Join(m.Path, n))); err != nil {
				return fmt.Errorf("clear unmaterialized folder %s: %w", m.Path, err)
			}
			removed++
		}
	}
	if removed > 0 {
		s.log.Info("removed what an interrupted materialization left in folders not yet materialized", zap.Int("entries", removed))
	}
	return nil
}

// Materialize makes sure no folder at rel or above it is unmaterialized, and
// with subtree none below it either. It is cheap when no folder is marked:
// the overlay asks it for every path it resolves.
func (s *Syncer) Materialize(rel string, subtree bool) error {
	if s.lazy.n.Load() == 0 {
		return nil
	}
	rel = strings.Trim(rel, "/")
	if rel == "." || rel == "" {
		if subtree {
			return s.materializeUnder("")
		}
		return nil
	}
	k := s.key(rel)
	for i := 0; i <= len(k); i++ {
		if i < len(k) && k[i] != '/' {
			continue
		}
		if _, ok := s.lazy.get(k[:i]); ok {
			if err := s.materialize(k[:i]); err != nil {
				return err
			}
		}
	}
	if subtree {
		return s.materializeUnder(k)
	}
	return nil
}

// materializeUnder materializes every marked folder at or below k,
// shallowest first, until none is left.
func (s *Syncer) materializeUnder(k string) error {
	for {
		ks := s.lazy.keys(k)
		if len(ks) == 0 {
			return nil
		}
		for _, mk := range ks {
			if err := s.materialize(mk); err != nil {
				return err
			}
		}
	}
}

// MaterializeAll materializes every marked folder, breadth-first, the
// folders the fill brings first (fillFirst) before the others at each depth.
// A cancelled ctx stops it between two folders.
func (s *Syncer) MaterializeAll(ctx context.Context) error {
	return s.materializeAll(ctx, nil)
}

// FillFolders is MaterializeAll for the background fill: the files of at
// least minSize and at most inlineMax bytes are downloaded as their folder
// is materialized, straight into the cache, instead of being placed as
// placeholders and replaced one by one later (a placeholder, its mark, a
// staged copy and a rename per file made the fill several times slower than
// `cp -a`). A folder stops taking data inline past inlineFolderMax bytes, so
// an operation of the user's waiting for that folder waits for little; what
// is left, and what the server cannot give now, is placed as placeholders
// for the fill's fetches.
func (s *Syncer) FillFolders(ctx context.Context, minSize int64) error {
	return s.materializeAll(ctx, &inline{ctx: ctx, min: minSize})
}

// inline is what FillFolders downloads while materializing.
type inline struct {
	ctx context.Context
	min int64
}

const (
	inlineMax       = 256 << 10
	inlineFolderMax = 16 << 20
)

func (s *Syncer) materializeAll(ctx context.Context, in *inline) error {
	for s.lazy.n.Load() > 0 {
		ks := s.lazy.keys("")
		slices.SortStableFunc(ks, func(a, b string) int {
			if d := strings.Count(a, "/") - strings.Count(b, "/"); d != 0 {
				return d
			}
			return s.fillRank(a) - s.fillRank(b)
		})
		for _, k := range ks {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.materializeWith(k, in); err != nil {
				return err
			}
		}
	}
	return nil
}

// materializeEmpty materializes, at the end of a logon, the folders it left
// unmaterialized that hold no file with data (empty folders, empty files):
// cheap, and what is pending then is exactly the files not yet local, so
// FilesPending 0 still means the profile is whole in the cache.
//
// After a logon that deferred its namespace (lazy_defer.go) only the folders
// known to hold nothing at all: the others need the namespace built, which
// is what the deferral keeps out of the logon. They hold no data the server
// must give; the fill materializes them first, and the logoff
// (materializeDataless) those no fill reached.
func (s *Syncer) materializeEmpty() error {
	s.lazy.mat.Lock()
	empty := s.lazy.empty
	s.lazy.mat.Unlock()
	return s.materializeNoData(func(u journal.Unmaterialized) bool { return empty == nil || empty[u.ServerPath] })
}

// materializeDataless materializes, before a logoff plans, every folder still
// unmaterialized that holds no file with data: those a deferred logon left
// (materializeEmpty) when no fill ran. The cache a logoff leaves is then
// whole but for files not yet fetched, as after any other logon; this builds
// the namespace if nothing had needed it, a cost that only such folders pay.
func (s *Syncer) materializeDataless() error {
	return s.materializeNoData(func(journal.Unmaterialized) bool { return true })
}

// materializeNoData materializes the unmaterialized folders without file
// data that also accepts.
func (s *Syncer) materializeNoData(also func(journal.Unmaterialized) bool) error {
	for _, k := range s.lazy.keys("") {
		u, ok := s.lazy.get(k)
		if ok && u.Files == 0 && also(u) {
			if err := s.Materialize(u.Path, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// Unmaterialized reports how many folders are still unmaterialized.
func (s *Syncer) Unmaterialized() int { return int(s.lazy.n.Load()) }

// materialize creates the contents of the marked folder k (see the top of
// this file); a folder no longer marked is left alone.
func (s *Syncer) materialize(k string) error { return s.materializeWith(k, nil) }

func (s *Syncer) materializeWith(k string, in *inline) error {
	s.lazy.mat.Lock()
	defer s.lazy.mat.Unlock()
	m, ok := s.lazy.get(k)
	if !ok {
		return nil
	}
	if err := s.materializeLocked(k, m, in); err != nil {
		return fmt.Errorf("materialize %s: %w", m.Path, err)
	}
	return nil
}

func (s *Syncer) materializeLocked(k string, m journal.Unmaterialized, in *inline) error {
	var (
		ns   *namespace
		ents []nsEntry
	)
	if !s.lazy.empty[m.ServerPath] {
		var err error
		if ns, err = s.namespaceLocked(); err != nil {
			return err
		}
		if ents, err = ns.list(m.ServerPath); err != nil {
			return err
		}
	}
	ents = s.withoutClashes(m.Path, ents)
	fetch := map[string]journal.Unfetched{}
	subs := map[string]journal.Unmaterialized{}
	var inlined int64
	for i, e := range ents {
		cp, sp := path.Join(m.Path, e.name), path.Join(m.ServerPath, e.name)
		switch {
		case e.v.Kind == KindDir:
			d, _ := ns.dir(sp)
			subs[s.key(cp)] = journal.Unmaterialized{Path: cp, ServerPath: sp, Files: d.files, Bytes: d.bytes, Entries: d.entries}
		case e.v.Kind == KindFile && e.v.Size > 0:
			if in.takes(e.v.Size, inlined) {
				inlined += e.v.Size
				ents[i].inline, ents[i].server = true, sp
				continue
			}
			fetch[s.key(cp)] = markOf(cp, sp, e.v)
		}
	}
	// The marks go down before what they describe (unfetched.go).
	if err := s.cfg.Journal.SetUnfetched(fetch, nil); err != nil {
		return err
	}
	if err := s.cfg.Journal.SetUnmaterialized(subs, nil); err != nil {
		return err
	}
	bases, late, err := s.createEntries(m.Path, ents, in)
	if err != nil {
		return err
	}
	if len(late) > 0 {
		// Inline downloads that could not be had (the server away): these
		// are placeholders after all, marked before the folder's mark goes.
		if err := s.cfg.Journal.SetUnfetched(late, nil); err != nil {
			return err
		}
		maps.Copy(fetch, late)
	}
	if err := s.cfg.Journal.Materialized(k, bases); err != nil {
		return err
	}
	for fk, f := range fetch {
		s.marks.put(fk, f)
	}
	for sk, sub := range subs {
		s.lazy.put(sk, sub)
	}
	s.lazy.drop(k)
	return nil
}

// createEntries puts ents into the cache folder dir as a logon would (files
// with data as placeholders, empty files, folders, symlinks), replacing what
// an interrupted materialization placed there, and returns their bases. An
// entry marked inline is downloaded instead, with the version the server
// gives now as its base; one the server cannot give now becomes a
// placeholder after all (returned in late, its mark not yet written), one
// gone from the server is left out (the next pull or logon sees it).
func (s *Syncer) createEntries(dir string, ents []nsEntry, in *inline) (map[string]journal.Base, map[string]journal.Unfetched, error) {
	bases := make(map[string]journal.Base, len(ents))
	late := map[string]journal.Unfetched{}
	d, err := s.local.openDir(dir)
	if err != nil {
		return nil, nil, err
	}
	defer d.close()
	var inl []int
	for i, e := range ents {
		cp := path.Join(dir, e.name)
		switch {
		case e.v.Kind == KindDir:
			err = s.local.mkdir(cp, e.v)
		case e.v.Kind == KindSymlink:
			err = s.local.symlink(cp, e.v)
		case e.inline:
			inl = append(inl, i)
			continue
		default:
			// An empty file needs no data: its placeholder is the file.
			err = d.placeSparse(e.name, e.v)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("create %s in cache: %w", cp, err)
		}
		bases[s.key(cp)] = e.v.base()
	}
	if len(inl) == 0 {
		return bases, late, nil
	}
	// The downloads side by side, as the fill's fetches go: one file's
	// latency (open, copy, rename) hides behind another's.
	type got struct {
		v    Version
		gone bool
		err  error
	}
	res := make([]got, len(inl))
	// The server folder is resolved once for all of them (store.Folder): a
	// path resolved one name at a time per file cost more than its data.
	// A folder that cannot be opened now leaves each file to its own open,
	// which says gone or failed as before.
	var srv store.Folder
	if f, err := store.OpenFolder(in.ctx, s.cfg.Store, parentOf(ents[inl[0]].server)); err == nil {
		srv = f
		defer f.Close()
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(fillInlineWorkers, len(inl)) {
		wg.Go(func() {
			for j := range next {
				r := &res[j]
				r.v, r.gone, r.err = s.downloadInline(in.ctx, d, srv, ents[inl[j]])
			}
		})
	}
	for j := range inl {
		next <- j
	}
	close(next)
	wg.Wait()
	for j, i := range inl {
		e, r := ents[i], res[j]
		cp := path.Join(dir, e.name)
		switch {
		case r.gone:
			continue
		case r.err != nil && in.ctx.Err() == nil:
			s.log.Debug("a file could not be downloaded with its folder; it is fetched later", zap.String("path", cp), zap.Error(r.err))
			late[s.key(cp)] = markOf(cp, e.server, e.v)
			r.v, r.err = e.v, d.placeSparse(e.name, e.v)
		}
		if r.err != nil {
			return nil, nil, fmt.Errorf("create %s in cache: %w", cp, r.err)
		}
		bases[s.key(cp)] = r.v.base()
	}
	return bases, late, nil
}

// fillInlineWorkers is how many of a folder's files FillFolders downloads at
// once (the fill's own fetches run 4 at a time too).
const fillInlineWorkers = 4

// takes reports whether a file of size joins its folder's inline downloads,
// given what the folder took already.
func (in *inline) takes(size, taken int64) bool {
	return in != nil && size >= in.min && size <= inlineMax && taken+size <= inlineFolderMax
}

// downloadInline copies e's data from the server (through srv, its server
// folder, when open) into the folder d, and returns the version it placed.
func (s *Syncer) downloadInline(ctx context.Context, d *localDir, srv store.Folder, e nsEntry) (v Version, gone bool, err error) {
	var r io.ReadCloser
	var info store.Info
	if srv != nil {
		r, info, err = srv.Open(ctx, path.Base(e.server))
	} else {
		r, info, err = s.cfg.Store.Open(ctx, e.server)
	}
	if errors.Is(err, fs.ErrNotExist) || (err == nil && info.Kind != KindFile) {
		if r != nil {
			r.Close()
		}
		return v, true, nil
	}
	if err != nil {
		return v, false, err
	}
	defer r.Close()
	v = fromStoreInfo(info)
	// Straight to its name: the folder is still marked, so nothing sees the
	// file before it is whole, and a crash leaves it to clearMarked.
	return v, false, d.placeInMarked(e.name, r, v)
}

// withoutClashes leaves out the entries whose names differ only in case, as
// a logon leaves such paths untouched (and everything below them).
func (s *Syncer) withoutClashes(dir string, ents []nsEntry) []nsEntry {
	if !s.cfg.Policy.CaseInsensitive {
		return ents
	}
	seen := make(map[string]int, len(ents))
	for _, e := range ents {
		seen[s.key(e.name)]++
	}
	out := ents[:0]
	for _, e := range ents {
		if seen[s.key(e.name)] > 1 {
			s.log.Warn("the profile holds names that differ only in case; they are left untouched",
				zap.Int("event_id", event.CaseClash), zap.String("path", path.Join(dir, e.name)))
			continue
		}
		out = append(out, e)
	}
	return out
}

// lazyCounts adds what lies below the marked folders to the placeholders'
// counts (`roamfs status`).
func (s *Syncer) lazyCounts() (files int, bytes int64) {
	f, b, _ := s.lazy.counts()
	return int(f), b
}
