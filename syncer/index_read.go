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

// A logon's server listing: the index when it can be trusted, a walk
// otherwise. What "trusted" takes:
//   - the metadata names an index (an older roamfs rewrites the metadata
//     without it, so its logoffs make the next logon walk), and the bytes of
//     its base and of each of its deltas match it: length, SHA-256,
//     generation, count;
//   - every entry is sane (decodeIndex, decodeDelta);
//   - the top level of the server, listed live (one directory read), is what
//     the index says: the same names, the same kinds, files of the same size
//     and mtime, folders with the same mtime. A file copied into or removed
//     from a top-level folder moves that folder's mtime, and a logoff under way
//     elsewhere (its phase 1 done, its index not yet written) does the same.
//
// What the top-level check cannot see: a file replaced, added or removed
// deeper down (Documents/Work/x.doc) by something other than roamfs, or by a
// machine that died between its phase 1 and phase 2. For those the session
// runs VerifyAgainstServer after the mount is ready; a cache file the index
// says is gone is never deleted on the index's word alone (confirmGone).
//
// The hive files are top-level, so they always come from the live listing:
// another machine's background hive upload changes NTUSER.DAT without a logoff.

// indexSnapshot is the index a logon used, kept compressed for the
// verification that follows it.
type indexSnapshot struct {
	chain *IndexChain
	data  *chainData
}

// listServer calls fn for every roaming, acceptable entry of the server copy,
// as walkServer does; with useIndex it reads them from a trusted index and
// reports true.
func (s *Syncer) listServer(ctx context.Context, useIndex bool, fn func(p string, v Version)) (bool, error) {
	s.ix.setLogon(nil)
	s.ix.setMissing(false)
	if !useIndex {
		return false, s.walkServer(ctx, fn)
	}
	ix, snap, top, err := s.trustedIndex(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		// The next logoff writes an index, from a walk: the old one (if
		// any) missed what this walk sees.
		s.ix.setMissing(true)
		s.ix.markStale()
		s.logIndexNotUsed(err)
		return false, s.walkServer(ctx, fn)
	}
	n, err := s.feedIndex(ix, top, true, fn)
	if err != nil {
		return false, err
	}
	s.ix.setLogon(snap)
	s.log.Info("logon read the server copy's namespace from its profile index",
		zap.Int("event_id", event.IndexUsed), zap.Int("entries", n), zap.String("generation", ix.gen))
	return true, nil
}

func (s *Syncer) logIndexNotUsed(err error) {
	if errors.Is(err, errNoIndex) {
		s.log.Info("the server copy has no profile index yet: the logon reads the whole server copy",
			zap.Int("event_id", event.IndexNotUsed), zap.String("reason", err.Error()))
		return
	}
	s.log.Warn("the server copy's profile index is not used: the logon reads the whole server copy",
		zap.Int("event_id", event.IndexNotUsed), zap.String("reason", err.Error()))
}

var errNoIndex = errors.New("no profile index")

// trustedIndex reads the metadata and the files of the index it names (one
// request each) and lists the server's top level; any doubt is an error. A
// chain whose files are sane is recorded as such (for the next delta) even
// when the top level has changed since.
func (s *Syncer) trustedIndex(ctx context.Context) (*chainReader, *indexSnapshot, map[string]store.Info, error) {
	m, err := s.ReadServerMeta(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("%w: no server metadata", errNoIndex)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	c := m.indexChain()
	if c == nil {
		return nil, nil, nil, fmt.Errorf("%w: the last logoff (%s) wrote none", errNoIndex, m.Host)
	}
	ix, data, err := s.openChain(ctx, c)
	if err != nil {
		return nil, nil, nil, err
	}
	s.ix.setVerified(c)
	top, err := s.listTop(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if why := s.topDiffers(ix.top, top); why != "" {
		return nil, nil, nil, distrust("the server copy changed since the index was written: %s", why)
	}
	return ix, &indexSnapshot{chain: c, data: data}, top, nil
}

// listTop lists the server's root without descending: roamfs' own files and
// temporaries left out.
func (s *Syncer) listTop(ctx context.Context) (map[string]store.Info, error) {
	top := map[string]store.Info{}
	ents, err := store.ListDir(ctx, s.cfg.Store, "", true)
	if err != nil {
		return nil, fmt.Errorf("list server copy %s: %w", s.cfg.Store.Root(), err)
	}
	for _, i := range ents {
		if !isOwnServerFile(i.Path) && !isTemp(i.Path) {
			top[i.Path] = i
		}
	}
	return top, nil
}

// topDiffers compares the live top level with the index's (ixTop: the
// index's top-level entries; others are skipped), hives aside (they change
// without a logoff and are taken live anyway).
func (s *Syncer) topDiffers(ixTop []store.Info, top map[string]store.Info) string {
	seen := 0
	for _, i := range ixTop {
		if parentOf(i.Path) != "" || s.cfg.Policy.IsHive(i.Path) {
			continue
		}
		seen++
		t, ok := top[i.Path]
		switch {
		case !ok:
			return i.Path + " is gone"
		case t.Kind != i.Kind:
			return i.Path + " changed kind"
		case (t.Kind == store.KindFile || t.Kind == store.KindDir) && !t.MTime.Equal(i.MTime):
			return i.Path + " has another mtime"
		case t.Kind == store.KindFile && t.Size != i.Size:
			return i.Path + " has another size"
		case t.Kind == store.KindSymlink && t.Target != i.Target:
			return i.Path + " points elsewhere"
		}
	}
	live := 0
	for p := range top {
		if !s.cfg.Policy.IsHive(p) {
			live++
		}
	}
	if live != seen {
		return "new top-level entries"
	}
	return ""
}

// feedIndex calls fn for the index's entries as walkServer would for a walk:
// nonroaming and refused folders with everything below them left out, the
// top level (hives included) as listed live when top is given. Entries are in
// path order, so a folder comes before everything below it. logRefused logs
// the refused entries as the walk does. The entries are decoded as they are
// fed, never held together; n is how many the index listed.
func (s *Syncer) feedIndex(ix *chainReader, top map[string]store.Info, logRefused bool, fn func(string, Version)) (n int, err error) {
	skipped := map[string]bool{}
	err = ix.each(func(i store.Info) bool {
		n++
		if top != nil && parentOf(i.Path) == "" {
			if _, ok := top[i.Path]; !ok {
				return true // a hive gone from the server
			}
			i = top[i.Path]
		} else if skipped[parentOf(i.Path)] {
			if i.Kind == store.KindDir {
				skipped[i.Path] = true
			}
			return true
		}
		if s.acceptServerEntry(i, logRefused) {
			fn(i.Path, fromStoreInfo(i))
		} else if i.Kind == store.KindDir {
			skipped[i.Path] = true
		}
		return true
	})
	if err != nil {
		return n, fmt.Errorf("read profile index: %w", err)
	}
	// A hive the index does not know yet (uploaded by a background upload
	// since): the live listing has it.
	for p, i := range top {
		if s.cfg.Policy.IsHive(p) && !ix.hasTop(p) && s.acceptServerEntry(i, logRefused) {
			fn(p, fromStoreInfo(i))
		}
	}
	return n, nil
}

// acceptServerEntry is walkServer's filter for one entry: it roams and is
// not refused (logged as the walk logs it, when asked).
func (s *Syncer) acceptServerEntry(i store.Info, logRefused bool) bool {
	if !s.roams(i.Path) {
		return false
	}
	if why := s.refuseServerEntry(i); why != "" {
		if s.onRefused != nil {
			s.onRefused(i.Path)
		}
		if !logRefused {
			return false
		}
		s.log.Warn("server copy entry skipped: "+why, zap.Int("event_id", event.SkippedEntry), zap.String("path", i.Path))
		return false
	}
	return true
}

// confirmGone asks the server itself about every cache path the index says
// is gone but this cache last synced and still holds: deleting it from the
// cache on the word of a stale index (a logoff elsewhere that lost a race to
// write it, a change behind roamfs' back) would make the user's file vanish
// for the session. One stat per such path: as many as deletions made
// elsewhere since this cache last synced.
func (s *Syncer) confirmGone(ctx context.Context, v *view) error {
	found := 0
	for _, st := range v.steps {
		if st.ServerPath != "" || !st.Base.Present() || !st.Local.Present() {
			continue
		}
		i, err := s.cfg.Store.Stat(ctx, st.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stat server %s: %w", st.Path, err)
		}
		i.Path = st.Path
		if s.acceptServerEntry(i, true) {
			st.ServerPath, st.Server = st.Path, fromStoreInfo(i)
			found++
		}
	}
	if found > 0 {
		s.ix.markStale()
		s.log.Warn("the server copy's profile index missed paths the server holds; they are merged, and the next logoff rewrites the index",
			zap.Int("event_id", event.ServerDrift), zap.Int("paths", found))
	}
	return nil
}
