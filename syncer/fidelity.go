package syncer

import (
	"roamfs/internal/entry"
	"roamfs/store"
)

// A server that keeps less than the cache (an SMB share: no permission bits,
// times of 100 ns or 2 s) would look changed at every comparison with a base
// taken from the cache, and a file uploaded a minute ago would come back as
// a conflict. The decisions therefore compare every version as the server
// keeps it (store.Limits); a store that keeps everything changes nothing.

// atServer returns st with its base, server and local versions as the
// server keeps them, for a decision; st itself is left as it is.
func (s *Syncer) atServer(st Step) Step {
	l := store.LimitsOf(s.cfg.Store)
	if l == nil {
		return st
	}
	st.Base, st.Server, st.Local = kept(l, st.Base), kept(l, st.Server), kept(l, st.Local)
	return st
}

func kept(l store.Limits, v Version) Version {
	if !v.Present() || v.Kind == KindOther {
		return v
	}
	mode, mtime := l.Kept(v.Kind, entry.FromPOSIX(v.Mode), v.MTime)
	v.Mode, v.MTime = entry.ToPOSIX(mode), mtime
	return v
}
