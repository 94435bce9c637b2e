package login

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"roamfs/service"
)

// Caller is the PAM session a hook run is for, from pam_exec's environment.
type Caller struct {
	User    string // PAM_USER
	PID     int    // the process that opened the session (the hook's parent)
	Service string // PAM_SERVICE: sshd, login, gdm-password, ...
	TTY     string // PAM_TTY
	RHost   string // PAM_RHOST
}

// Hook runs the logon at a user's first session and the logoff at their
// last, with service.Controller's counting.
type Hook struct {
	Config Config
	Runner service.Runner
	Log    *zap.Logger
	// Lookup reads an account; nil means LookupAccount.
	Lookup func(name string) (Account, error)
}

func (h *Hook) locator() Locator { return Locator{Config: h.Config, Lookup: h.Lookup} }

// Open is pam_sm_open_session: the first session of a user mounts the
// profile, another shares it. A user who does not roam is not an error. The
// error is the logon's, with the CLI's exit code (service.ExitError).
func (h *Hook) Open(ctx context.Context, c Caller) error {
	u, err := h.check(c)
	if err != nil {
		return err
	}
	if h.Log == nil {
		h.Log = zap.NewNop()
	}
	if _, err := h.locator().Locate(u); errors.Is(err, service.ErrNotRoaming) {
		h.Log.Info("open_session: the user does not roam; nothing to do", zap.String("user", c.User), zap.String("reason", err.Error()))
		return nil
	}
	f, err := lockSessions(h.Config.StateDir, c.User)
	if err != nil {
		return err
	}
	defer f.unlock()
	recs, err := f.read()
	if err != nil {
		h.Log.Warn("open_session: the session records are unreadable; counting from none", zap.Error(err))
	}
	self := Record{PID: c.PID, Service: c.Service, TTY: c.TTY, RHost: c.RHost, Opened: time.Now().UTC()}
	self.Start, _ = ProcStart(c.PID)
	ctl := service.New(h.locator(), h.Runner, h.Log)
	ctl.Restore(sessions(u, recs))
	logonErr := ctl.Handle(ctx, service.Event{Kind: service.Logon, Session: uint32(c.PID), User: u})
	// Sessions whose process died without closing them end now; the one
	// just opened (if its logon worked) keeps the profile mounted.
	live := liveSessions(u, recs, c.PID)
	if logonErr == nil {
		live = append(live, service.Session{ID: uint32(c.PID), User: u})
	}
	pruneErr := ctl.Reconcile(ctx, live)
	return errors.Join(logonErr, pruneErr, f.write(kept(ctl, append(recs, self))))
}

// Close is pam_sm_close_session: the user's last session logs the profile
// off (sync, unmount). A close for a session the hook never counted (its
// logon failed, or the user does not roam) still ends the sessions whose
// processes are gone, so the last of them syncs.
func (h *Hook) Close(ctx context.Context, c Caller) error {
	u, err := h.check(c)
	if err != nil {
		return err
	}
	if h.Log == nil {
		h.Log = zap.NewNop()
	}
	f, err := lockSessions(h.Config.StateDir, c.User)
	if err != nil {
		return err
	}
	defer f.unlock()
	recs, err := f.read()
	if err != nil {
		h.Log.Warn("close_session: the session records are unreadable; counting from none", zap.Error(err))
	}
	if len(recs) == 0 {
		h.Log.Info("close_session: no session of the user is counted; nothing to do", zap.String("user", c.User), zap.Int("pid", c.PID))
		return nil
	}
	ctl := service.New(h.locator(), h.Runner, h.Log)
	ctl.Restore(sessions(u, recs))
	err = ctl.Reconcile(ctx, liveSessions(u, recs, c.PID))
	return errors.Join(err, f.write(kept(ctl, recs)))
}

// check refuses what cannot be a login: no user, a name that is not a plain
// file name (it names the session file).
func (h *Hook) check(c Caller) (service.User, error) {
	if c.User == "" || strings.ContainsAny(c.User, "/\x00") || strings.HasPrefix(c.User, ".") {
		return service.User{}, fmt.Errorf("PAM_USER %q is not an account name", c.User)
	}
	if c.PID <= 1 {
		return service.User{}, fmt.Errorf("the PAM session's process (%d) is unknown", c.PID)
	}
	return service.User{Name: c.User}, nil
}

func sessions(u service.User, recs []Record) []service.Session {
	out := make([]service.Session, 0, len(recs))
	for _, r := range recs {
		out = append(out, service.Session{ID: uint32(r.PID), User: u})
	}
	return out
}

// liveSessions are recs whose process still runs, except the caller's.
func liveSessions(u service.User, recs []Record, caller int) []service.Session {
	var out []service.Session
	for _, r := range recs {
		if r.PID != caller && r.Alive() {
			out = append(out, service.Session{ID: uint32(r.PID), User: u})
		}
	}
	return out
}

// kept are the records of the sessions the controller still counts.
func kept(ctl *service.Controller, recs []Record) []Record {
	by := map[uint32]Record{}
	for _, r := range recs {
		by[uint32(r.PID)] = r // the caller's new record comes last and wins
	}
	var out []Record
	for _, id := range ctl.Sessions() {
		out = append(out, by[id])
	}
	return out
}
