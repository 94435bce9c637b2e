package session

import (
	"roamfs/cachedir"
	"roamfs/syncer"
)

// status is the status file as a running session completes it: the pending
// changes and the size against the limit.
func (s *Session) status() (cachedir.Status, error) {
	st, err := s.cfg.Layout.ReadStatus()
	if err != nil {
		return st, err
	}
	st.PendingChanges = s.j.PendingCount()
	files, bytes := s.sy.Unfetched()
	st.FilesPending, st.BytesPending = &files, &bytes
	if p := s.fillProgress(); p != nil {
		st.Fill = &cachedir.FillProgress{FilesDone: p.FilesDone, FilesTotal: p.FilesTotal, BytesDone: p.BytesDone, BytesTotal: p.BytesTotal}
	}
	addQuota(&st, s.sy)
	return st, nil
}

// addQuota fills the size against the limit, as the size limit counts it.
func addQuota(st *cachedir.Status, sy *syncer.Syncer) {
	q, err := sy.CheckQuota()
	if err != nil {
		return
	}
	size := (q.Size + 1023) / 1024
	st.ProfileSizeKB = &size
	if q.Enabled {
		limit := q.Limit / 1024
		st.MaxProfileSizeKB = &limit
	}
}
