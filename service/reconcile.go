package service

import (
	"context"
	"errors"
	"sync"
)

// Session is a session as Windows lists it; User is empty when it could not
// be read (nobody logged on yet, or a failed lookup): such a session is not
// logged on now, nor logged off if it was.
type Session struct {
	ID   uint32
	User User
}

// Reconcile brings the mounts in line with the sessions logged on now: a
// session the controller has not seen is a logon, a session it knew that is
// gone is a logoff.
//
// The Windows service calls it on every session-change notification and at
// start instead of acting on each notification: the notification's data may
// be gone by the time it is read (golang/go#65832), notifications of one
// session can be handled out of order, and a service restarted after a crash
// knows no sessions at all. A listing of what is logged on has none of
// those problems. One user's changes run in order; different users' side by
// side, so one slow logoff sync delays nobody else's logon.
func (c *Controller) Reconcile(ctx context.Context, live []Session) error {
	byUser := map[string][]Event{}
	var order []string
	add := func(key string, ev Event) {
		if _, ok := byUser[key]; !ok {
			order = append(order, key)
		}
		byUser[key] = append(byUser[key], ev)
	}
	now := map[uint32]bool{}
	for _, s := range live {
		now[s.ID] = true
	}
	c.mu.Lock()
	for id, key := range c.bySess {
		if !now[id] {
			add(key, Event{Kind: Logoff, Session: id})
		}
	}
	for _, s := range live {
		_, known := c.bySess[s.ID]
		if !known && s.User != (User{}) {
			add(userKey(s.User), Event{Kind: Logon, Session: s.ID, User: s.User})
		}
	}
	c.mu.Unlock()

	errs := make([]error, len(order))
	var wg sync.WaitGroup
	for i, key := range order {
		wg.Go(func() {
			for _, ev := range byUser[key] {
				errs[i] = errors.Join(errs[i], c.Handle(ctx, ev))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
