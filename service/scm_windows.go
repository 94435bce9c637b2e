package service

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"go.uber.org/zap"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// Name is the service's name in the Service Control Manager.
const Name = "roamfs"

// Run serves the Service Control Manager until it stops the service. Session
// changes are handled off the SCM's loop (a logoff sync can take minutes);
// pre-shutdown and stop log every profile off before reporting stopped.
//
// Each of background runs beside the loop from the start until the service
// stops (the logon pipe's server, the preparation of known users' hives);
// its context ends when the service is asked to stop, before the profiles
// are logged off.
func Run(ctl *Controller, log *zap.Logger, background ...func(context.Context)) error {
	return svc.Run(Name, &handler{ctl: ctl, log: log, background: background})
}

type handler struct {
	ctl        *Controller
	log        *zap.Logger
	background []func(context.Context)
}

const accepts = svc.AcceptStop | svc.AcceptPreShutdown | svc.AcceptSessionChange

func (h *handler) Execute(args []string, reqs <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx := context.Background()
	// Notifications only say "look again": one worker lists the sessions
	// and reconciles (see Controller.Reconcile), off the SCM's loop, as a
	// logoff sync or a domain lookup can take long. A burst of notifications
	// collapses into one listing.
	look := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range look {
			sessions, err := listSessions(h.log)
			if err != nil {
				h.log.Error("cannot list the logged-on sessions", zap.Error(err))
				continue
			}
			if err := h.ctl.Reconcile(ctx, sessions); err != nil {
				h.log.Error("session changes not all handled", zap.Error(err))
			}
		}
	}()
	poke := func() {
		select {
		case look <- struct{}{}:
		default: // a listing is due already
		}
	}
	poke() // sessions logged on before the service (re)started
	bgCtx, stopBg := context.WithCancel(ctx)
	var bg sync.WaitGroup
	for _, f := range h.background {
		bg.Go(func() { f(bgCtx) })
	}
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	for r := range reqs {
		switch r.Cmd {
		case svc.Interrogate:
			status <- r.CurrentStatus
		case svc.SessionChange:
			if r.EventType == windows.WTS_SESSION_LOGON || r.EventType == windows.WTS_SESSION_LOGOFF {
				poke()
			}
		case svc.Stop, svc.PreShutdown, svc.Shutdown:
			status <- svc.Status{State: svc.StopPending, WaitHint: uint32((3 * time.Minute).Milliseconds())}
			// No new preparations from here on (the network provider is
			// told "later"), and none still waiting for a logon.
			stopBg()
			// Shutdown turns away logons from here on and logs every mounted
			// profile off, users side by side.
			if err := h.ctl.Shutdown(ctx); err != nil {
				h.log.Error("stopping: a profile was not completely updated; its journal keeps the changes", zap.Error(err))
			}
			close(look)
			<-done
			bg.Wait()
			return false, 0
		}
	}
	stopBg()
	bg.Wait()
	return false, 0
}

// listSessions lists the sessions that are logged on or could be (active or
// disconnected); those whose user cannot be read (the console's logon
// screen) come without one.
func listSessions(log *zap.Logger) ([]Session, error) {
	var infos *windows.WTS_SESSION_INFO
	var n uint32
	if err := windows.WTSEnumerateSessions(0, 0, 1, &infos, &n); err != nil {
		return nil, fmt.Errorf("WTSEnumerateSessions: %w", err)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(infos)))
	var out []Session
	for _, si := range unsafe.Slice(infos, n) {
		if si.State != windows.WTSActive && si.State != windows.WTSDisconnected {
			continue
		}
		u, err := sessionUser(si.SessionID)
		if err != nil {
			// Still listed, without a user: a known session whose token
			// could not be read this time must not count as logged off.
			log.Debug("session without a user", zap.Uint32("session", si.SessionID), zap.Error(err))
		}
		out = append(out, Session{ID: si.SessionID, User: u})
	}
	return out, nil
}

// sessionUser is the account logged on in session id (the service runs as
// LocalSystem, which may ask for any session's token).
func sessionUser(id uint32) (User, error) {
	var tok windows.Token
	if err := windows.WTSQueryUserToken(id, &tok); err != nil {
		return User{}, fmt.Errorf("WTSQueryUserToken(%d): %w", id, err)
	}
	defer tok.Close()
	tu, err := tok.GetTokenUser()
	if err != nil {
		return User{}, fmt.Errorf("token user of session %d: %w", id, err)
	}
	sid := tu.User.Sid
	name, domain, _, err := sid.LookupAccount("")
	if err != nil {
		return User{}, fmt.Errorf("account of %s: %w", sid, err)
	}
	return User{Name: name, Domain: domain, SID: sid.String()}, nil
}
