package syncer

import (
	"context"
	"slices"
	"strings"

	"go.uber.org/zap"

	"roamfs/event"
)

// ServerChange is a path whose server state differs from what the logon took
// from the profile index: to be merged with the logon table as a change made
// on the server (Server absent = deleted there).
type ServerChange struct {
	Path          string // the server's spelling
	Index, Server Version
}

// VerifyAgainstServer walks the server copy and returns where it differs from
// the index the last logon used, in path order; nil when that logon walked
// (it saw the server itself). It is how a change made behind roamfs' back
// (an administrator copying a file into the server copy, a restore from
// backup, a machine that died between its phase 1 and phase 2) reaches a
// session that logged on from the index: the session calls it once the mount
// is ready and merges the changes. Finding any makes the next logoff rebuild
// the index from a walk. It only reads the server; it may run while the
// session is in use.
func (s *Syncer) VerifyAgainstServer(ctx context.Context) ([]ServerChange, error) {
	snap := s.ix.logonSnapshot()
	if snap == nil {
		return nil, nil
	}
	ix, err := openChainData(snap.chain, snap.data)
	if err != nil {
		return nil, err // it was trusted at logon: the bytes are the same
	}
	live := map[string]Version{}
	if err := s.walkServer(ctx, func(p string, v Version) { live[p] = v }); err != nil {
		return nil, err
	}
	var out []ServerChange
	// The walk has logged the refused entries already. What the index
	// lists leaves live: what stays there is new on the server.
	_, err = s.feedIndex(ix, nil, false, func(p string, v Version) {
		lv, ok := live[p]
		delete(live, p)
		if s.cfg.Policy.IsHive(p) {
			return // taken live at logon; the hive stream's business since
		}
		if !ok || !lv.Same(v) {
			out = append(out, ServerChange{Path: p, Index: v, Server: lv})
		}
	})
	if err != nil {
		return nil, err
	}
	for p, v := range live {
		if !s.cfg.Policy.IsHive(p) {
			out = append(out, ServerChange{Path: p, Server: v})
		}
	}
	slices.SortFunc(out, func(a, b ServerChange) int { return strings.Compare(a.Path, b.Path) })
	if len(out) > 0 {
		s.ix.markStale()
		s.log.Warn("the server copy changed behind roamfs since its profile index was written; the differences are merged",
			zap.Int("event_id", event.ServerDrift), zap.Int("paths", len(out)))
	}
	return out, nil
}
