package session

import "context"

// Run is the daemon's whole life: open, logon, the control socket, serve
// until the mount goes away, logoff, close. ready reports exactly once that
// the profile is mounted and the control socket answers (nil), or why not.
// The error is the logoff sync's, or the reason there was no session.
func Run(ctx context.Context, cfg Config, ready func(error)) error {
	s, err := Open(cfg)
	if err != nil {
		ready(err)
		return err
	}
	if err := s.Logon(ctx); err != nil {
		s.Abort()
		s.Close()
		ready(err)
		return err
	}
	ctl, err := s.startControl()
	if err != nil {
		s.Abort()
		s.Close()
		ready(err)
		return err
	}
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
