package syncer

import (
	"fmt"
	"path"
	"strings"
	"sync"

	"roamfs/journal"
)

// The placeholders of a streamed logon (DESIGN.md, "Streamed logon"): a file
// the logon table would download is, when streaming, put in the cache as a
// sparse file of the server's size, mode and mtime, and remembered in the
// journal (journal.Unfetched) until its data is fetched. This file keeps the
// syncer's copy of those marks in memory, so that the overlay can ask for
// every open whether a path still waits for its data without a database read.
//
// A mark holds only while the cache file still looks like its placeholder
// (same size, mtime and mode): anything else is data the user wrote, and the
// mark is stale. That is what makes the crash windows safe: a mark is written
// before its placeholder is placed and removed after the data replaced it.

// unfetched is the in-memory table of marks, by key.
//
// Lock order: fetchLock (fetch.go) before unfetched.mu.
type unfetched struct {
	mu    sync.Mutex
	m     map[string]journal.Unfetched
	bytes int64
}

func (u *unfetched) get(k string) (journal.Unfetched, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	m, ok := u.m[k]
	return m, ok
}

func (u *unfetched) put(k string, m journal.Unfetched) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.m[k]; ok {
		u.bytes -= old.Size
	}
	if u.m == nil {
		u.m = map[string]journal.Unfetched{}
	}
	u.m[k] = m
	u.bytes += m.Size
}

func (u *unfetched) drop(k string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.m[k]; ok {
		u.bytes -= old.Size
		delete(u.m, k)
	}
}

func (u *unfetched) count() (int, int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.m), u.bytes
}

// under lists the marks at k or below it (k "" = all).
func (u *unfetched) under(k string) map[string]journal.Unfetched {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := map[string]journal.Unfetched{}
	for mk, m := range u.m {
		if k == "" || mk == k || strings.HasPrefix(mk, k+"/") {
			out[mk] = m
		}
	}
	return out
}

// loadUnfetched reads the journal's marks into memory (a logon, or a sync
// that must know which cache files are placeholders).
func (s *Syncer) loadUnfetched() error {
	s.marks.mu.Lock()
	s.marks.m, s.marks.bytes = map[string]journal.Unfetched{}, 0
	s.marks.mu.Unlock()
	err := s.cfg.Journal.EachUnfetched(func(k string, m journal.Unfetched) error {
		s.marks.put(k, m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the files not yet fetched: %w", err)
	}
	return nil
}

// holds reports whether v, a cache file's version, is still the placeholder m.
func holds(m journal.Unfetched, v Version) bool {
	return v.Kind == KindFile && v.Size == m.Size && v.MTime.Equal(m.MTime) && v.Mode == m.Mode
}

// markOf is the mark a placeholder of server version v at p gets.
func markOf(p, serverPath string, v Version) journal.Unfetched {
	return journal.Unfetched{Path: p, ServerPath: serverPath, Size: v.Size, MTime: v.MTime, Mode: v.Mode}
}

// isPlaceholder reports whether the cache file at p (key k), now v, is a
// placeholder whose data was never fetched.
func (s *Syncer) isPlaceholder(k string, v Version) bool {
	m, ok := s.marks.get(k)
	return ok && holds(m, v)
}

// streams reports whether a logon puts a placeholder for st rather than its
// data: files with data, except the hive, which Windows reads first.
func (s *Syncer) streams(st *Step) bool {
	return s.cfg.Stream && st.Server.Kind == KindFile && st.Server.Size > 0 &&
		!(path.Dir(st.Path) == "." && s.cfg.Policy.IsHive(st.Path))
}

// Unfetched reports how many files of the cache are placeholders, or will
// be once their folders are materialized (lazy.go), and the bytes still to be
// fetched for them (`roamfs status`: FilesPending, BytesPending).
func (s *Syncer) Unfetched() (files int, bytes int64) {
	files, bytes = s.marks.count()
	lf, lb := s.lazyCounts()
	return files + lf, bytes + lb
}
