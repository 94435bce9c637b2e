package session

import (
	"sync"
	"time"

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
	// A release's record may still be on its way (journal.AppendNoWait).
	_ = s.j.Barrier() // a failed one fails the status no more than before
	st.PendingChanges = s.j.PendingCount()
	files, bytes := s.sy.Unfetched()
	st.FilesPending, st.BytesPending = &files, &bytes
	if p := s.fillProgress(); p != nil {
		st.Fill = &cachedir.FillProgress{FilesDone: p.FilesDone, FilesTotal: p.FilesTotal, BytesDone: p.BytesDone, BytesTotal: p.BytesTotal}
	}
	s.quota.add(&st, s.sy.CheckQuota, s.j.LastSeq())
	return st, nil
}

// quotaReuse: a measurement of the profile's size is reused for status
// while it is younger than this many times what it took.
const quotaReuse = 20

// statusQuota is status's measurement of the profile's size. Measuring walks
// the whole cache (lstat of every file: tens of milliseconds of CPU at 50,000
// files), and a caller that polls status (a tray icon showing the fill's
// progress; rfbench waits for the fill by polling every 50 ms) made that walk
// most of what the daemon did, slowing the very fill it watched. So one
// measurement serves every status asked for while it is younger than
// quotaReuse times its own cost (the walks then take at most a twentieth of a
// core however often status is asked), and only while nothing was journaled
// since: a user's change shows at once. What changes the cache without a
// journal record (the fill, a live pull, a file growing through an open
// handle) shows within that age.
type statusQuota struct {
	now  func() time.Time // time.Now; a test's clock
	mu   sync.Mutex
	ok   bool
	at   time.Time
	took time.Duration
	seq  uint64
	q    syncer.QuotaReport
}

// add fills the size against the limit, as the size limit counts it, from
// measure's report or the last one; seq is the journal's last record.
func (c *statusQuota) add(st *cachedir.Status, measure func() (syncer.QuotaReport, error), seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	if !c.ok || c.seq != seq || now().Sub(c.at) >= quotaReuse*c.took {
		start := now()
		q, err := measure()
		if err != nil {
			c.ok = false
			return
		}
		c.ok, c.at, c.took, c.seq, c.q = true, now(), now().Sub(start), seq, q
	}
	addQuota(st, c.q)
}

// addQuota fills the size against the limit from q.
func addQuota(st *cachedir.Status, q syncer.QuotaReport) {
	size := (q.Size + 1023) / 1024
	st.ProfileSizeKB = &size
	if q.Enabled {
		limit := q.Limit / 1024
		st.MaxProfileSizeKB = &limit
	}
}
