package service

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"roamfs/event"

	"go.uber.org/zap"
)

// Kind is a session change.
type Kind int

const (
	Logon  Kind = iota + 1 // WTS_SESSION_LOGON
	Logoff                 // WTS_SESSION_LOGOFF
)

func (k Kind) String() string {
	switch k {
	case Logon:
		return "logon"
	case Logoff:
		return "logoff"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Event is one session change as the Service Control Manager reports it.
type Event struct {
	Kind    Kind
	Session uint32
	User    User
}

// Controller keeps one mount per user with a roaming profile, counted by the
// sessions that use it.
type Controller struct {
	loc  Locator
	run  Runner
	log  *zap.Logger
	prep *Preparer // the Windows layout; nil mounts over the profile folder

	mu      sync.Mutex
	active  map[string]*mount // by SID (or account when there is no SID); kept after logoff
	bySess  map[uint32]string // session → its user's key
	closing bool              // Shutdown has begun: no new mounts
}

// ErrClosing: a logon that arrived while the service stops.
var ErrClosing = errors.New("the roamfs service is stopping")

type mount struct {
	prof     Profile
	sessions map[uint32]bool
	mu       sync.Mutex // serialises this user's logon and logoff
}

// New makes a controller. log receives the service's own events.
func New(loc Locator, run Runner, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{loc: loc, run: run, log: log, active: map[string]*mount{}, bySess: map[uint32]string{}}
}

func userKey(u User) string {
	if u.SID != "" {
		return u.SID
	}
	return u.Account()
}

// Handle acts on one session change. A user without a roaming profile is not
// an error: the service has nothing to do for them.
func (c *Controller) Handle(ctx context.Context, ev Event) error {
	switch ev.Kind {
	case Logon:
		return c.logon(ctx, ev)
	case Logoff:
		return c.logoff(ctx, ev.Session)
	}
	return nil
}

func (c *Controller) logon(ctx context.Context, ev Event) error {
	key := userKey(ev.User)
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return fmt.Errorf("logon of %s: %w", ev.User.Account(), ErrClosing)
	}
	m, ok := c.active[key]
	if !ok {
		m = &mount{sessions: map[uint32]bool{}}
		c.active[key] = m
	}
	m.sessions[ev.Session] = true
	c.bySess[ev.Session] = key
	c.mu.Unlock()

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prof.MountPoint != "" && !c.run.Mounted(m.prof) {
		// A failed logoff that got as far as the unmount, or an eject: the
		// journal kept every change, and this logon merges it first.
		m.prof = Profile{}
	}
	if m.prof.MountPoint != "" {
		c.log.Info("another session of a mounted profile", zap.Uint32("session", ev.Session),
			zap.String("user", ev.User.Account()), zap.String("mountpoint", m.prof.MountPoint))
		c.recheckJunctions(m)
		return nil
	}
	prof, err := c.loc.Locate(ev.User)
	if errors.Is(err, ErrNotRoaming) {
		c.log.Info("user has no roaming profile: left to Windows", zap.String("user", ev.User.Account()))
		c.drop(ev.Session)
		return nil
	}
	if err == nil && c.run.Mounted(prof) {
		// Left by the daemon of an earlier run of the service (it crashed
		// or was restarted): the session daemon outlives it, so adopt it.
		m.prof = prof
		c.log.Info("logon: the profile is still mounted from before; adopted", zap.Uint32("session", ev.Session),
			zap.String("user", ev.User.Account()), zap.String("mountpoint", prof.MountPoint))
		return nil
	}
	if err == nil && c.prep != nil && prof.Home != "" {
		// No network provider asked before the profile loaded: prepared
		// now, the hive aside (bringHives says why).
		err = c.prepareProfile(ctx, m, prof)
	} else if err == nil {
		c.log.Info("logon: mounting the roaming profile", zap.Uint32("session", ev.Session), zap.String("user", ev.User.Account()),
			zap.String("server", prof.Server), zap.String("mountpoint", prof.MountPoint))
		err = c.run.Logon(ctx, prof)
	}
	if err != nil {
		c.drop(ev.Session)
		c.log.Error("logon: the roaming profile was not mounted", zap.Int("event_id", event.NewProfile),
			zap.String("user", ev.User.Account()), zap.Error(err))
		return fmt.Errorf("logon of %s: %w", ev.User.Account(), err)
	}
	m.prof = prof
	c.log.Info("logon: profile mounted", zap.String("user", ev.User.Account()), zap.String("mountpoint", prof.MountPoint))
	return nil
}

// drop forgets a session whose logon came to nothing.
func (c *Controller) drop(sess uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key, ok := c.bySess[sess]
	if !ok {
		return
	}
	delete(c.bySess, sess)
	if m := c.active[key]; m != nil {
		delete(m.sessions, sess)
	}
}

func (c *Controller) logoff(ctx context.Context, sess uint32) error {
	c.mu.Lock()
	key, ok := c.bySess[sess]
	var m *mount
	if ok {
		delete(c.bySess, sess)
		m = c.active[key]
		delete(m.sessions, sess)
	}
	c.mu.Unlock()
	if m == nil {
		return nil // a session the service did not mount anything for
	}
	return c.syncOff(ctx, m, false)
}

// syncOff logs the profile off unless (force aside) a session took it up
// again while this one waited: entries stay in c.active, so a logon racing
// a logoff of the same user waits for it and then mounts afresh.
func (c *Controller) syncOff(ctx context.Context, m *mount, force bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.mu.Lock()
	others := len(m.sessions)
	c.mu.Unlock()
	if m.prof.MountPoint == "" {
		return nil
	}
	p := m.prof
	if others > 0 && !force {
		c.log.Info("logoff: the user has other sessions; the profile stays mounted",
			zap.String("user", p.User.Account()), zap.Int("sessions", others))
		return nil
	}
	c.log.Info("logoff: syncing the roaming profile", zap.String("user", p.User.Account()), zap.String("mountpoint", p.MountPoint))
	if !c.run.Mounted(p) {
		// Unmounted already (a logoff that failed after its unmount, an
		// eject): the journal holds the changes for the next logon or sync.
		m.prof = Profile{}
		c.log.Warn("logoff: the profile was no longer mounted; its journal is merged at the next logon",
			zap.String("user", p.User.Account()), zap.String("cache", p.Cache))
		return nil
	}
	var hiveErr error
	if c.prep != nil && p.Home != "" {
		// The hive lives in the profile folder, outside the volume: it goes
		// up once Windows has unloaded it, then the volume is synced.
		if hiveErr = c.sendHives(ctx, p, !force); hiveErr != nil {
			c.log.Error("logoff: the hive was not uploaded; the next preparation uploads it if it is the newer",
				zap.Int("event_id", event.UploadFailed), zap.String("user", p.User.Account()), zap.Error(hiveErr))
			hiveErr = fmt.Errorf("logoff of %s: hive: %w", p.User.Account(), hiveErr)
		}
	}
	if err := c.run.Logoff(ctx, p); err != nil {
		// The journal keeps every change; `roamfs sync --cache` finishes it.
		c.log.Error("logoff: the roaming profile was not completely updated", zap.Int("event_id", event.UploadFailed),
			zap.String("user", p.User.Account()), zap.String("cache", p.Cache), zap.Error(err))
		return fmt.Errorf("logoff of %s: %w", p.User.Account(), err)
	}
	m.prof = Profile{}
	if hiveErr != nil {
		return hiveErr
	}
	c.log.Info("logoff: the server copy holds every change", zap.String("user", p.User.Account()))
	return nil
}

// Mounted lists the mount points the service serves now.
func (c *Controller) Mounted() []string {
	c.mu.Lock()
	ms := make([]*mount, 0, len(c.active))
	for _, m := range c.active {
		ms = append(ms, m)
	}
	c.mu.Unlock()
	var out []string
	for _, m := range ms {
		m.mu.Lock()
		if m.prof.MountPoint != "" {
			out = append(out, m.prof.MountPoint)
		}
		m.mu.Unlock()
	}
	return out
}

// Shutdown logs every mounted profile off (the service stops or the machine
// shuts down). Each failure is reported; the others still run.
func (c *Controller) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	c.closing = true
	ms := make([]*mount, 0, len(c.active))
	for _, m := range c.active {
		ms = append(ms, m)
		clear(m.sessions)
	}
	clear(c.bySess)
	c.mu.Unlock()
	// Users' syncs run side by side: the machine gives pre-shutdown a
	// bounded time, and one slow server must not cost the others theirs.
	errs := make([]error, len(ms))
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() { errs[i] = c.syncOff(ctx, m, true) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
