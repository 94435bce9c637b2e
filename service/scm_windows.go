package service

import (
	"context"
	"fmt"
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
func Run(ctl *Controller, log *zap.Logger) error {
	return svc.Run(Name, &handler{ctl: ctl, log: log})
}

type handler struct {
	ctl *Controller
	log *zap.Logger
}

const accepts = svc.AcceptStop | svc.AcceptPreShutdown | svc.AcceptSessionChange

func (h *handler) Execute(args []string, reqs <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx := context.Background()
	// One worker takes the session changes in the order the SCM delivered
	// them (a short session's logoff must not overtake its logon), off the
	// SCM's loop: a logoff sync or a domain lookup can take long. The cost:
	// one user's long sync delays the next user's logon on this machine.
	queue := make(chan Event, 64)
	go func() {
		for ev := range queue {
			if ev.Kind == Logon {
				u, err := sessionUser(ev.Session)
				if err != nil {
					h.log.Error("logon: cannot tell whose session this is", zap.Uint32("session", ev.Session), zap.Error(err))
					continue
				}
				ev.User = u
			}
			if err := h.ctl.Handle(ctx, ev); err != nil {
				h.log.Error("session change not handled", zap.Stringer("kind", ev.Kind), zap.Uint32("session", ev.Session), zap.Error(err))
			}
		}
	}()
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	for r := range reqs {
		switch r.Cmd {
		case svc.Interrogate:
			status <- r.CurrentStatus
		case svc.SessionChange:
			if ev, ok := sessionEvent(r); ok {
				queue <- ev
			}
		case svc.Stop, svc.PreShutdown, svc.Shutdown:
			status <- svc.Status{State: svc.StopPending, WaitHint: uint32((3 * time.Minute).Milliseconds())}
			// Shutdown turns away the logons still queued and logs every
			// mounted profile off, users side by side.
			if err := h.ctl.Shutdown(ctx); err != nil {
				h.log.Error("stopping: a profile was not completely updated; its journal keeps the changes", zap.Error(err))
			}
			close(queue)
			return false, 0
		}
	}
	return false, 0
}

// sessionEvent reads a WTS_SESSION_LOGON/LOGOFF notification at once: the
// data it points to belongs to the SCM's call (golang/go#65832).
func sessionEvent(r svc.ChangeRequest) (Event, bool) {
	var kind Kind
	switch r.EventType {
	case windows.WTS_SESSION_LOGON:
		kind = Logon
	case windows.WTS_SESSION_LOGOFF:
		kind = Logoff
	default:
		return Event{}, false
	}
	// Read through the field's address so vet sees no uintptr round trip.
	n := *(**windows.WTSSESSION_NOTIFICATION)(unsafe.Pointer(&r.EventData))
	return Event{Kind: kind, Session: n.SessionID}, true
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
