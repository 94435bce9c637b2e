package service

import "slices"

// Restore gives a new controller the sessions an earlier one counted, so a
// controller can live for one event only: the Linux PAM hook is a process
// per session open or close, and keeps the count in a file between them.
// A user's profile that is mounted now is adopted (its logoff syncs it), as
// Reconcile adopts the mounts of a restarted Windows service; one that is
// not mounted (a failed logoff unmounted it, an eject) is mounted by the
// next logon. Call it before any other method.
func (c *Controller) Restore(sessions []Session) {
	c.mu.Lock()
	fresh := map[*mount]User{}
	for _, s := range sessions {
		key := userKey(s.User)
		m, ok := c.active[key]
		if !ok {
			m = &mount{sessions: map[uint32]bool{}}
			c.active[key] = m
			fresh[m] = s.User
		}
		m.sessions[s.ID] = true
		c.bySess[s.ID] = key
	}
	c.mu.Unlock()
	for m, u := range fresh {
		if prof, err := c.loc.Locate(u); err == nil && c.run.Mounted(prof) {
			m.prof = prof
		}
	}
}

// Sessions lists the sessions the controller counts now, by id: what Restore
// takes back.
func (c *Controller) Sessions() []uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]uint32, 0, len(c.bySess))
	for id := range c.bySess {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
