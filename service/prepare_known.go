package service

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.uber.org/zap"

	"roamfs/internal/winpipe"
)

// PrepareKnown brings the hive of each user known to this machine (a
// ProfileList entry and a roamfs cache) into their profile folder at service
// start, without the network provider's help: a hive changed on another
// machine since is then in place before the user's next logon loads it. The
// volume is mounted only when a session comes (a mount per user at boot
// would cost every user's logon time for nothing). Users logged on already,
// or whose hive is loaded, are left alone; each failure is reported and the
// others still run.
func (c *Controller) PrepareKnown(ctx context.Context, users []User) error {
	if c.prep == nil {
		return nil
	}
	var errs []error
	for _, u := range users {
		if err := c.prepareHive(ctx, u); err != nil && !errors.Is(err, ErrNotRoaming) {
			errs = append(errs, fmt.Errorf("hive of %s: %w", u.Account(), err))
		}
	}
	return errors.Join(errs...)
}

func (c *Controller) prepareHive(ctx context.Context, u User) error {
	m, err := c.entry(u)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prof.MountPoint != "" {
		return nil
	}
	if loaded, err := c.prep.Home.HiveLoaded(u.SID); err != nil || loaded {
		return err
	}
	prof, err := c.loc.Locate(u)
	if err != nil {
		return err
	}
	if prof.Home == "" {
		return nil
	}
	if _, err := os.Stat(prof.Home); err != nil {
		return nil // the profile folder went with its ProfileList entry's use: a first logon again
	}
	pol, err := c.prep.Policy(u)
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	c.log.Info("service start: bringing the hive of a user known here", zap.String("user", u.Account()))
	return c.bringHives(ctx, prof, pol)
}

// RequestUser is the user a network provider's request names: its SID when
// the DLL sent one, looked up otherwise (lookup resolves DOMAIN\name, or a
// UPN with an empty domain, to the account's canonical names and SID).
func RequestUser(r winpipe.Request, lookup func(domain, name string) (User, error)) (User, error) {
	if r.SID != "" {
		return User{Name: r.User, Domain: r.Domain, SID: r.SID}, nil
	}
	u, err := lookup(r.Domain, r.User)
	if err != nil {
		return User{}, fmt.Errorf("security id of %s: %w", r.Account(), err)
	}
	return u, nil
}
