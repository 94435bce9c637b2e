package session

import (
	"context"

	"go.uber.org/zap"

	"roamfs/event"
)

// Run is the daemon's whole life: open, logon, the control socket, serve
// until the mount goes away, logoff, close. ready reports exactly once that
// the profile is mounted and the control socket answers (nil), or why not.
// The error is the logoff sync's, or the reason there was no session.
func Run(ctx context.Context, cfg Config, ready func(error)) error {
	// Every way a logon can fail is logged with its event id before the
	// CLI reports it: the log is where an administrator looks afterwards.
	ready = logFailure(cfg, ready)
	s, err := Open(cfg)
	if err != nil {
		ready(err)
		return err
	}
	// The control socket answers from the start, so `roamfs status` and
	// `roamfs journal` work while a long logon runs (they said "in use"
	// before); what needs the mount waits for it (Session.mounted).
	ctl, err := s.startControl()
	if err != nil {
		s.Close()
		ready(err)
		return err
	}
	if err := s.Logon(ctx); err != nil {
		ctl.stop()
		s.Abort()
		s.Close()
		ready(err)
		return err
	}
	s.mounted.Store(true)
	ready(nil)
	reply, err := s.Serve(ctx)
	s.Close()
	if err == nil && cfg.Policy.DeleteRoamingCache {
		s.dropCache()
	}
	s.reply(reply)
	ctl.stop()
	return err
}

func logFailure(cfg Config, ready func(error)) func(error) {
	return func(err error) {
		if err != nil && cfg.Log != nil {
			cfg.Log.Error("logon failed; nothing was mounted", zap.Int("event_id", event.LogonFailed),
				zap.String("server", cfg.Server), zap.String("mountpoint", cfg.Mountpoint), zap.Error(err))
		}
		ready(err)
	}
}
