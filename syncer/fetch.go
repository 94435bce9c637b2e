package syncer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/internal/entry"
	"roamfs/journal"
	"roamfs/store"
)

// Fetching the data of placeholders (unfetched.go) while the profile is
// mounted: on first open (the overlay asks through its Fetcher interface,
// which the session wires to these methods), by the session's background
// fill, and before a logoff uploads a path whose placeholder was renamed.
//
// A fetch downloads the server's version now (another machine may have
// logged off since the logon: this machine did not change the file, so the
// newer version is the user's and becomes the base) to a staging file outside
// the mounted profile, and renames it over the placeholder: a partly
// downloaded file is never seen. Two callers of one path share one download.
//
// The overlay changes names under the same lock as a fetch places its file
// (Forget, Move), so a placeholder's mark always moves or goes with it.
//
// Lock order: fetches.place, then fetches.mu, then unfetched.mu.

// ErrGone is a fetch of a placeholder whose data is no longer on the server.
var ErrGone = errors.New("no longer on the server copy")

// fetches is the fetch machinery's state.
type fetches struct {
	// place: fetches placing their files take it shared (each its own
	// path: one flight per path); Forget, Move and the live pull, which
	// change names or replace files, take it alone.
	place    sync.RWMutex
	mu       sync.Mutex
	inflight map[string]*flight
	ctx      context.Context // the downloads'; StopFetches cancels it
	stop     context.CancelFunc
	wg       sync.WaitGroup
	fetched  func(rel string, replaced, opened bool)
}

type flight struct {
	done   chan struct{}
	err    error
	opened bool // started by an open (Fetch), not by the fill (Prefetch)
}

func (f *fetches) init() {
	f.inflight = map[string]*flight{}
	f.ctx, f.stop = context.WithCancel(context.Background())
}

// OnFetched sets a function called after a fetch placed rel's data (not
// under any lock): replaced says the server had a newer version than the
// placeholder described, so what the kernel caches of rel is stale; opened
// that an open asked for it (Fetch), not the background fill (Prefetch).
// Call it before the first fetch.
func (s *Syncer) OnFetched(fn func(rel string, replaced, opened bool)) { s.fetches.fetched = fn }

// StopFetches cancels the downloads in flight and waits for them: a logoff
// begins. Later fetches start afresh.
func (s *Syncer) StopFetches() {
	s.fetches.stop()
	s.fetches.wg.Wait()
	// The logoff itself may still fetch (a renamed placeholder: fetchCovered).
	s.fetches.mu.Lock()
	s.fetches.ctx, s.fetches.stop = context.WithCancel(context.Background())
	s.fetches.mu.Unlock()
}

// Pending reports whether rel is a placeholder whose data is not local yet.
// It is cheap (memory only): the overlay asks it for every open.
func (s *Syncer) Pending(rel string) bool {
	if n, _ := s.marks.count(); n == 0 {
		return false
	}
	_, ok := s.marks.get(s.key(rel))
	return ok
}

// Fetch brings rel's data into the cache and returns once it is there, or
// with ctx's error (the download goes on, and a later Fetch joins it). A path
// that is no placeholder returns nil at once.
func (s *Syncer) Fetch(ctx context.Context, rel string) error {
	return s.fetch(ctx, rel, true)
}

// Prefetch is Fetch for the background fill.
func (s *Syncer) Prefetch(ctx context.Context, rel string) error {
	return s.fetch(ctx, rel, false)
}

func (s *Syncer) fetch(ctx context.Context, rel string, opened bool) error {
	k := s.key(rel)
	if _, ok := s.marks.get(k); !ok {
		return nil
	}
	f := s.startFetch(k, opened)
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("fetch %s: %w", rel, ctx.Err())
	}
}

// startFetch joins the fetch of k in flight or starts one.
func (s *Syncer) startFetch(k string, opened bool) *flight {
	s.fetches.mu.Lock()
	defer s.fetches.mu.Unlock()
	if f := s.fetches.inflight[k]; f != nil {
		return f
	}
	f := &flight{done: make(chan struct{}), opened: opened}
	if err := s.fetches.ctx.Err(); err != nil {
		f.err = fmt.Errorf("fetch %s: the session is logging off: %w", k, err)
		close(f.done)
		return f
	}
	s.fetches.inflight[k] = f
	s.fetches.wg.Add(1)
	ctx := s.fetches.ctx
	go func() {
		defer s.fetches.wg.Done()
		f.err = s.fetchOne(ctx, k, opened)
		s.fetches.mu.Lock()
		delete(s.fetches.inflight, k)
		s.fetches.mu.Unlock()
		close(f.done)
	}()
	return f
}

// fetchOne downloads the placeholder k's data and puts it in place.
func (s *Syncer) fetchOne(ctx context.Context, k string, opened bool) error {
	m, ok := s.marks.get(k)
	if !ok {
		return nil
	}
	r, info, err := s.cfg.Store.Open(ctx, m.ServerPath)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && info.Kind != KindFile) {
		if r != nil {
			r.Close()
		}
		if s.isKey(k, m.ServerPath) && s.deletedAlone(ctx, m.ServerPath) {
			// Deleted on the server since this machine looked, and never
			// read here: to this machine's user the file is gone, as on a
			// share where another client deleted it between a listing and
			// an open (ENOENT, not EIO). The next pull removes the
			// placeholder. A renamed placeholder's data is lost instead.
			return fmt.Errorf("fetch %s: %w (%w)", m.Path, ErrGone, fs.ErrNotExist)
		}
		return fmt.Errorf("fetch %s: %w", m.Path, ErrGone)
	}
	if err != nil {
		return fmt.Errorf("fetch %s: %w", m.Path, err)
	}
	defer r.Close()
	v := fromStoreInfo(info)
	stage, err := s.stage(r, v)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", m.Path, err)
	}
	defer os.Remove(stage) // gone already once placed
	replaced, placed, err := s.placeFetched(k, m, stage, v)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", m.Path, err)
	}
	if placed && s.fetches.fetched != nil {
		s.fetches.fetched(m.Path, replaced, opened)
	}
	return nil
}

// deletedAlone reports whether the server positively shows that p alone is
// gone: the profile's metadata and p's folder are there. A folder that
// vanished as well (a share mounted wrong, a folder moved away) is no
// evidence that another machine deleted the file: the open then fails as
// for a server that cannot be reached.
func (s *Syncer) deletedAlone(ctx context.Context, p string) bool {
	if _, err := s.ReadServerMeta(ctx); err != nil {
		return false
	}
	d := parentOf(p)
	if d == "" {
		return true
	}
	i, err := s.cfg.Store.Stat(ctx, d)
	return err == nil && i.Kind == KindDir
}

// stage writes r to a new file in StageDir with v's owner, mode and mtime.
func (s *Syncer) stage(r io.Reader, v Version) (string, error) {
	return s.stageWith("fetch-*", v, func(f *os.File) error { _, err := io.Copy(f, r); return err })
}

// stageWith makes a new file in StageDir (the profile folder in tests: the
// session always stages outside), fills it, and gives it v's owner, mode and
// mtime; the caller renames it into place.
func (s *Syncer) stageWith(pattern string, v Version, fill func(*os.File) error) (string, error) {
	dir := s.cfg.StageDir
	if dir == "" {
		dir = s.cfg.ProfileDir
	}
	f, err := os.CreateTemp(dir, store.TempPrefix+pattern)
	if err != nil {
		return "", err
	}
	err = fill(f)
	if err == nil && s.cfg.Owner != nil {
		err = f.Chown(s.cfg.Owner.UID, s.cfg.Owner.GID)
	}
	if err == nil {
		err = f.Chmod(entry.FromPOSIX(v.Mode))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(f.Name(), v.MTime, v.MTime)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// placeFetched renames stage over the placeholder m at k if it still is one,
// moves the base when the server's version moved on, and drops the mark.
// placed is false when the placeholder went meanwhile (deleted, truncated,
// renamed: its mark moved or went with it).
func (s *Syncer) placeFetched(k string, m journal.Unfetched, stage string, v Version) (replaced, placed bool, err error) {
	s.fetches.place.RLock()
	defer s.fetches.place.RUnlock()
	now, ok := s.marks.get(k)
	if !ok || now != m {
		return false, false, nil
	}
	lv, err := s.local.stat(m.Path)
	if err != nil {
		return false, false, err
	}
	if !holds(m, lv) {
		// Not a placeholder any more: the user's data. The mark was stale.
		return false, false, s.dropMarks([]string{k})
	}
	if err := s.local.adopt(stage, m.Path); err != nil {
		return false, false, err
	}
	was := Version{Kind: KindFile, Size: m.Size, MTime: m.MTime, Mode: m.Mode}
	replaced = !v.Same(was)
	if replaced && s.isKey(k, m.ServerPath) {
		// The server moved on since the logon and this machine did not
		// change the file: the newer version is the base now. (A renamed
		// placeholder has no base at its new name.)
		if err := s.cfg.Journal.SetBases(map[string]journal.Base{k: v.base()}, nil); err != nil {
			return replaced, true, err
		}
	}
	return replaced, true, s.dropMarks([]string{k})
}

func (s *Syncer) dropMarks(ks []string) error {
	if err := s.cfg.Journal.SetUnfetched(nil, ks); err != nil {
		return err
	}
	for _, k := range ks {
		s.marks.drop(k)
	}
	return nil
}

// Forget runs op, a change that makes rel's old data unneeded (unlink, an
// open with O_TRUNC, a truncate to 0), and then drops rel's mark: its
// placeholder is gone or holds the user's data now.
func (s *Syncer) Forget(rel string, op func() error) error {
	if n, _ := s.marks.count(); n == 0 {
		return op()
	}
	s.fetches.place.Lock()
	defer s.fetches.place.Unlock()
	if err := op(); err != nil {
		return err
	}
	k := s.key(rel)
	if _, ok := s.marks.get(k); !ok {
		return nil
	}
	return s.dropMarks([]string{k})
}

// Move runs op, the rename of oldRel to newRel, and moves the marks of the
// placeholders at or under oldRel with it, so a file renamed before it was
// read needs no download now. The new marks are written before the rename
// and the old ones removed after it: a crash in between leaves a mark for
// each placeholder wherever it is (the other is stale). A placeholder at
// newRel, which the rename replaces, is fetched first, so no name ever has
// two marks; exchange fetches what is pending on both sides.
func (s *Syncer) Move(ctx context.Context, oldRel, newRel string, exchange bool, op func() error) error {
	if n, _ := s.marks.count(); n == 0 {
		return op()
	}
	ok, nk := s.key(oldRel), s.key(newRel)
	first := []string{nk}
	if exchange {
		first = append(first, ok)
	}
	for _, k := range first {
		for mk := range s.marks.under(k) {
			m, _ := s.marks.get(mk)
			if err := s.Fetch(ctx, m.Path); err != nil {
				return err
			}
		}
	}
	s.fetches.place.Lock()
	defer s.fetches.place.Unlock()
	if ok == nk {
		// A change of case only: the keys stay, the spellings change.
		if err := op(); err != nil {
			return err
		}
		return s.respell(s.marks.under(ok), oldRel, newRel)
	}
	moved := map[string]journal.Unfetched{}
	old := s.marks.under(ok)
	for _, m := range old {
		m.Path = rebase(m.Path, oldRel, newRel)
		moved[s.key(m.Path)] = m
	}
	if err := s.cfg.Journal.SetUnfetched(moved, nil); err != nil {
		return err
	}
	if err := op(); err != nil {
		// Nothing moved: the new marks are stale, drop them again.
		var ks []string
		for k := range moved {
			ks = append(ks, k)
		}
		if derr := s.cfg.Journal.SetUnfetched(nil, ks); derr != nil {
			s.log.Error("could not drop the marks of a failed rename; they are stale", zap.Int("event_id", event.CacheFailed), zap.Error(derr))
		}
		return err
	}
	var ks []string
	for k := range old {
		ks = append(ks, k)
	}
	if err := s.dropMarks(ks); err != nil {
		return err
	}
	for k, m := range moved {
		s.marks.put(k, m)
	}
	return nil
}

// respell records the cache's new spelling of marks after a rename that
// changed case only.
func (s *Syncer) respell(ms map[string]journal.Unfetched, oldRel, newRel string) error {
	for k, m := range ms {
		m.Path = rebase(m.Path, oldRel, newRel)
		ms[k] = m
	}
	if err := s.cfg.Journal.SetUnfetched(ms, nil); err != nil {
		return err
	}
	for k, m := range ms {
		s.marks.put(k, m)
	}
	return nil
}

// rebase is p, which is oldRel or a path under it, moved to newRel. Paths
// are compared by component, not by bytes: the name key of a path may differ
// in length from its spelling.
func rebase(p, oldRel, newRel string) string {
	n := strings.Count(oldRel, "/") + 1
	parts := strings.Split(p, "/")
	if len(parts) < n {
		return newRel
	}
	return path.Join(append([]string{newRel}, parts[n:]...)...)
}

// FillOrder lists the placeholders for the background fill, most wanted
// first: the hive, then AppData/Roaming, Desktop, Documents, the rest; small
// files before large ones within each. With minSize only files at least that
// large are listed (PSAlwaysCacheSize).
func (s *Syncer) FillOrder(minSize int64) []string {
	ms := s.marks.under("")
	type item struct {
		rank int
		size int64
		p    string
	}
	items := make([]item, 0, len(ms))
	for _, m := range ms {
		if m.Size < minSize {
			continue
		}
		items = append(items, item{s.fillRank(m.Path), m.Size, m.Path})
	}
	slices.SortFunc(items, func(a, b item) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		if a.size != b.size {
			return cmp.Compare(a.size, b.size)
		}
		return strings.Compare(a.p, b.p)
	})
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.p
	}
	return out
}

// fillFirst are the folders the fill brings before the others, in order:
// what a desktop session touches first.
var fillFirst = []string{"AppData/Roaming", "Desktop", "Documents"}

func (s *Syncer) fillRank(p string) int {
	if path.Dir(p) == "." && s.cfg.Policy.IsHive(p) {
		return 0
	}
	k := s.key(p)
	for i, d := range fillFirst {
		dk := s.key(d)
		if k == dk || strings.HasPrefix(k, dk+"/") {
			return i + 1
		}
	}
	return len(fillFirst) + 1
}

// fetchCovered fetches, before a logoff plans, every placeholder with
// journaled intent: a placeholder renamed before it was read (its mark moved
// with it) is uploaded under its new name with the data it stands for. One
// whose data is gone from the server stays a placeholder, and the plan's
// guard keeps it from ever being uploaded.
func (s *Syncer) fetchCovered(ctx context.Context, pd *pending) error {
	for k, m := range s.marks.under("") {
		if !pd.covers(k) {
			continue
		}
		err := s.Fetch(ctx, m.Path)
		if errors.Is(err, ErrGone) {
			s.log.Warn("a renamed file whose data was never fetched is gone from the server copy; it is not uploaded",
				zap.Int("event_id", event.FetchSkipped), zap.String("path", m.Path))
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
