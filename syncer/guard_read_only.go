package syncer

import "context"

// MandatoryHive marks a mandatory profile: its hive is never uploaded.
const MandatoryHive = "NTUSER.MAN"

// IsMandatory reports whether the server copy is a mandatory profile. It is
// the server's NTUSER.MAN that decides, never the cache's: a user who deletes
// it through the mount must not make the profile writable, and one who
// creates it must not have their changes discarded. An unreachable server
// reads as not mandatory; nothing can be written to it anyway.
func (s *Syncer) IsMandatory(ctx context.Context) bool {
	sp, _, err := s.serverPath(ctx, MandatoryHive)
	if err != nil {
		return false
	}
	v, err := s.serverStat(ctx, sp)
	return err == nil && v.Present()
}

// ReadOnly reports whether this profile never writes to the server, and why.
func (s *Syncer) ReadOnly(ctx context.Context) (bool, string) {
	switch {
	case s.cfg.Policy.ReadOnlyProfile:
		return true, "ReadOnlyProfile policy"
	case s.IsMandatory(ctx):
		return true, "mandatory profile (" + MandatoryHive + ")"
	}
	return false, ""
}
