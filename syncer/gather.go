package syncer

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/journal"
)

// view is every path known to the server, the cache or the base, by key.
type view struct {
	steps     map[string]*Step
	ambiguous map[string]bool // keys the server (or cache) spells twice
	refused   map[string]bool // keys of server entries refused as profile data (guard_server_entry.go)
	hasBase   map[string]bool // nil unless asked for: a logon does not need it
}

func (v *view) get(k string) *Step {
	st := v.steps[k]
	if st == nil {
		st = &Step{}
		v.steps[k] = st
	}
	return st
}

// blocked reports whether k or an ancestor is spelled twice: such paths are
// left untouched on both sides.
func (v *view) blocked(k string) bool {
	for p := k; p != "." && p != ""; p = path.Dir(p) {
		if v.ambiguous[p] || v.refused[p] {
			return true
		}
	}
	return false
}

// gather walks the cache, the bases and the server; withHasBase fills
// v.hasBase too. With lz (a streamed logon), server folders lz chooses are
// left unmaterialized: they enter the view, what lies below them goes to
// lz's namespace instead (lazy_logon.go).
func (s *Syncer) gather(ctx context.Context, withHasBase bool, lz *lazyPlan) (*view, error) {
	v := &view{steps: map[string]*Step{}, ambiguous: map[string]bool{}, refused: map[string]bool{}}
	// A server entry refused as profile data (a symlink out of the profile,
	// a name Windows cannot hold) is left untouched on both sides: read as
	// "absent on the server", the cache's own copy of it would be deleted
	// as if another machine had deleted it.
	s.onRefused = func(p string) { v.refused[s.key(p)] = true }
	defer func() { s.onRefused = nil }()
	if withHasBase {
		v.hasBase = map[string]bool{}
	}
	err := s.local.walk("", func(p string, lv Version) error {
		if isTemp(p) {
			s.local.remove(p) // left by a copy interrupted by a crash
			return nil
		}
		if !s.roams(p) {
			if lv.Kind == KindDir {
				return fs.SkipDir
			}
			return nil
		}
		k := s.key(p)
		st := v.get(k)
		if st.Path != "" {
			v.ambiguous[k] = true
		}
		st.Path, st.Local = p, lv
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk cache: %w", err)
	}
	err = s.cfg.Journal.Bases("", func(p string, b journal.Base) error {
		if s.roams(p) {
			v.get(p).Base = fromBase(b, true)
			if v.hasBase != nil {
				v.hasBase[p] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read bases: %w", err)
	}
	if lz != nil {
		lz.known(v)
	}
	// A logon (which needs no hasBase) reads the server's profile index when
	// it can be trusted; a full reconcile walks (index_read.go). The first
	// logon of a streamed cache only keeps it (lazy_defer.go).
	list := s.listServer
	if lz != nil && !withHasBase && lz.canDefer(v) {
		list = func(ctx context.Context, useIndex bool, fn func(p string, v Version)) (bool, error) {
			if ok, err := s.listDeferred(ctx, lz, fn); ok || err != nil {
				return ok, err
			}
			return s.listServer(ctx, useIndex, fn)
		}
	}
	fromIndex, err := list(ctx, !withHasBase, func(p string, sv Version) {
		s.prog.listed()
		if lz != nil && lz.keep(p, sv) {
			return
		}
		k := s.key(p)
		st := v.get(k)
		if st.ServerPath != "" {
			v.ambiguous[k] = true
		}
		st.ServerPath, st.Server = shareSpelling(p, st.Path), sv
	})
	if err != nil {
		return nil, err
	}
	if fromIndex {
		if err := s.confirmGone(ctx, v); err != nil {
			return nil, err
		}
	}
	// A path one side lacks takes the other's spelling under its parent's
	// spelling on this side; parents sort before their children.
	keys := make([]string, 0, len(v.steps))
	for k := range v.steps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st := v.steps[k]
		name := path.Base(st.ServerPath)
		if st.Path == "" && st.ServerPath == "" {
			name = path.Base(k)
		} else if st.ServerPath == "" {
			name = path.Base(st.Path)
		}
		parent := v.steps[path.Dir(k)]
		if st.Path == "" {
			st.Path = shareSpelling(joinUnder(parent, func(p *Step) string { return p.Path }, name), st.ServerPath)
		}
		if st.ServerPath == "" {
			st.ServerPath = shareSpelling(joinUnder(parent, func(p *Step) string { return p.ServerPath }, name), st.Path)
		}
	}
	for k := range v.ambiguous {
		s.log.Warn("the profile holds names that differ only in case; they are left untouched",
			zap.Int("event_id", event.CaseClash), zap.String("path", k))
	}
	return v, nil
}

// shareSpelling returns other if it spells p the same: both sides usually do,
// and one string then serves both (a first logon derives every cache path).
func shareSpelling(p, other string) string {
	if p == other {
		return other
	}
	return p
}

func joinUnder(parent *Step, spelling func(*Step) string, name string) string {
	if parent == nil {
		return name
	}
	return path.Join(spelling(parent), name)
}
