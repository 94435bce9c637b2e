package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/policy"
	"roamfs/store"
)

// Preparer is what the Windows layout (DESIGN.md, "Windows logon") needs
// beyond a Runner: C:\Users\NAME stays a real NTFS folder holding the hive,
// the volume is mounted at a path of its own (Profile.MountPoint), and each
// roaming folder of C:\Users\NAME is a junction into it. A Controller with a
// Preparer (SetPreparer) prepares a profile in that order: hive, mount,
// junctions; without one (Linux) it mounts over the profile folder as before.
type Preparer struct {
	Home HomeFS
	// Open opens the server copy (Profile.Server) for the hive stream.
	Open func(ctx context.Context, server string) (store.Store, error)
	// Policy is the Group Policy that applies to u: HiveFiles, the
	// nonroaming folders.
	Policy func(u User) (*policy.Policy, error)
	// OrphanWait is how long a profile prepared for a logon (the network
	// provider's request) stays mounted when no session of its user comes:
	// the logon failed or was cancelled after the provider asked.
	OrphanWait time.Duration
	// UnloadWait bounds the logoff's wait for Windows' profile service to
	// unload the hive, which it does once the user's processes have ended.
	UnloadWait time.Duration
	// Now is the clock (tests set it); nil is time.Now.
	Now func() time.Time
}

// HomeFS is what preparing needs of Windows beyond plain files. Plain file
// work (the hive's copy, a folder moved aside) goes through package os.
type HomeFS interface {
	// MakeHome creates the profile folder dir of the user sid with its access
	// list (the user, SYSTEM and Administrators, full control, protected);
	// an existing folder is left as it is.
	MakeHome(dir, sid string) error
	// Junction reads link: ok is false for anything else that is there (a
	// folder, a file); err wraps fs.ErrNotExist when nothing is.
	Junction(link string) (target string, ok bool, err error)
	// Link makes link, which must not exist, a junction to target.
	Link(link, target string) error
	// Unlink removes the junction link, never what it leads to.
	Unlink(link string) error
	// HiveLoaded reports whether the user's hive is loaded (HKEY_USERS\SID):
	// Windows holds it open then, and neither reads nor writes reach it.
	HiveLoaded(sid string) (bool, error)
}

// SetPreparer makes the controller prepare profiles in the Windows layout.
// Call it before any other method.
func (c *Controller) SetPreparer(p *Preparer) { c.prep = p }

func (p *Preparer) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// Prepare readies u's profile before Windows loads it: roamfsnp.dll's
// NPLogonNotify asks for it over the logon pipe, and the WTS_SESSION_LOGON
// that follows finds the profile mounted and counts its session. An error
// wrapping ErrNotRoaming: the user does not roam, there is nothing to do.
func (c *Controller) Prepare(ctx context.Context, u User) error {
	if c.prep == nil {
		return errors.New("prepare: the service has no Windows layout")
	}
	m, err := c.entry(u)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prof.MountPoint != "" && c.run.Mounted(m.prof) {
		return nil // another session of the user has it all in place
	}
	prof, err := c.loc.Locate(u)
	if errors.Is(err, ErrNotRoaming) {
		c.log.Info("prepare: the user has no roaming profile: left to Windows", zap.String("user", u.Account()))
		return err
	}
	if err == nil {
		err = c.prepareProfile(ctx, m, prof)
	}
	if err != nil {
		c.log.Error("prepare: the roaming profile is not ready; Windows goes on with the local profile folder",
			zap.Int("event_id", event.PrepareFailed), zap.String("user", u.Account()), zap.Error(err))
		return fmt.Errorf("prepare the profile of %s: %w", u.Account(), err)
	}
	c.watchOrphan(m)
	return nil
}

// entry is u's mount record, made when there is none.
func (c *Controller) entry(u User) (*mount, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil, fmt.Errorf("prepare the profile of %s: %w", u.Account(), ErrClosing)
	}
	key := userKey(u)
	m, ok := c.active[key]
	if !ok {
		m = &mount{sessions: map[uint32]bool{}}
		c.active[key] = m
	}
	return m, nil
}

// prepareProfile brings the hive into the profile folder (unless Windows has
// loaded it already), mounts the volume and places the junctions, in that
// order: Windows must find the hive before it loads it, and a junction must
// lead into a mounted volume. m.mu is held.
func (c *Controller) prepareProfile(ctx context.Context, m *mount, prof Profile) error {
	pol, err := c.prep.Policy(prof.User)
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	if err := c.prep.Home.MakeHome(prof.Home, prof.User.SID); err != nil {
		return fmt.Errorf("profile folder %s: %w", prof.Home, err)
	}
	if err := c.bringHives(ctx, prof, pol); err != nil {
		// The server away: the session logs on with its cache, and
		// Windows with the hive the folder has.
		c.log.Error("prepare: the hive was not brought in; Windows loads the one in the profile folder",
			zap.Int("event_id", event.PrepareFailed), zap.String("user", prof.User.Account()), zap.Error(err))
	}
	if !c.run.Mounted(prof) {
		if err := freeMountPoint(prof.MountPoint); err != nil {
			return err
		}
		c.log.Info("prepare: mounting the roaming profile", zap.String("user", prof.User.Account()),
			zap.String("server", prof.Server), zap.String("mountpoint", prof.MountPoint))
		if err := c.run.Logon(ctx, prof); err != nil {
			return err
		}
	}
	m.prof = prof
	c.placeJunctions(prof, pol)
	c.log.Info("prepare: the profile is ready", zap.String("user", prof.User.Account()),
		zap.String("profile", prof.Home), zap.String("mountpoint", prof.MountPoint))
	return nil
}

// freeMountPoint readies mnt for WinFsp, which mounts only at a path that
// does not exist yet: its parent is made, and an empty folder left there (a
// mount that ended badly) is removed. Anything else there is an error.
func freeMountPoint(mnt string) error {
	if err := os.MkdirAll(filepath.Dir(mnt), 0o755); err != nil {
		return fmt.Errorf("mount point %s: %w", mnt, err)
	}
	err := os.Remove(mnt)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("mount point %s is in the way (not an empty folder; move it): %w", mnt, err)
}

// watchOrphan logs a prepared profile off again when no session of its
// user has come within OrphanWait.
func (c *Controller) watchOrphan(m *mount) {
	if c.prep.OrphanWait <= 0 {
		return
	}
	time.AfterFunc(c.prep.OrphanWait, func() {
		c.mu.Lock()
		orphan := len(m.sessions) == 0 && !c.closing
		c.mu.Unlock()
		if !orphan {
			return
		}
		c.log.Warn("prepare: no session came for the prepared profile; logging it off",
			zap.String("user", m.user().Account()), zap.Duration("waited", c.prep.OrphanWait))
		if err := c.syncOff(context.Background(), m, false); err != nil {
			c.log.Error("prepare: the prepared profile was not logged off", zap.Error(err))
		}
	})
}

func (m *mount) user() User {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.prof.User
}

// recheckJunctions places the junctions again when a session comes to a
// profile prepared before it: Windows may have put the profile somewhere
// else than the ProfileList said before the logon (a first logon here), or
// filled the folder from its default profile. Placing is idempotent. m.mu
// is held.
func (c *Controller) recheckJunctions(m *mount) {
	if c.prep == nil || m.prof.Home == "" {
		return
	}
	prof, err := c.loc.Locate(m.prof.User)
	if err != nil || prof.Home == "" {
		return
	}
	if !samePath(prof.Home, m.prof.Home) {
		c.log.Warn("logon: Windows loaded the profile from another folder than the one prepared; junctions placed there too",
			zap.String("user", prof.User.Account()), zap.String("prepared", m.prof.Home), zap.String("loaded", prof.Home))
	}
	prof.MountPoint = m.prof.MountPoint
	pol, err := c.prep.Policy(prof.User)
	if err != nil {
		c.log.Error("logon: no policy; junctions not checked", zap.String("user", prof.User.Account()), zap.Error(err))
		return
	}
	m.prof.Home = prof.Home
	c.placeJunctions(prof, pol)
}
