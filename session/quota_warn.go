package session

import (
	"context"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
)

// warnOverQuota is WarnUser: while the profile is over its size limit, a
// warning event at once and again every WarnUserTimeout minutes (proquota's
// balloon, here a log event an administrator can collect).
func (s *Session) warnOverQuota(ctx context.Context) {
	pol := s.cfg.Policy
	if !pol.EnableProfileQuota || !pol.WarnUser {
		return
	}
	every := time.Duration(pol.WarnUserTimeout) * time.Minute
	for {
		if q, err := s.sy.CheckQuota(); err == nil && q.Over {
			s.log.Warn("the profile is over its size limit: "+q.Message, zap.Int("event_id", event.OverQuota),
				zap.Int64("size_bytes", q.Size), zap.Int64("limit_bytes", q.Limit))
		}
		if every <= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
