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
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	ctx := context.Background()
	for r := range reqs {
		switch r.Cmd {
		case svc.Interrogate:
			status <- r.CurrentStatus
		case svc.SessionChange:
			ev, ok := h.sessionEvent(r)
			if !ok {
				continue
			}
			go func() {
				if err := h.ctl.Handle(ctx, ev); err != nil {
					h.log.Error("session change not handled", zap.Stringer("kind", ev.Kind), zap.Uint32("session", ev.Session), zap.Error(err))
				}
			}()
		case svc.Stop, svc.PreShutdown, svc.Shutdown:
			status <- svc.Status{State: svc.StopPending, WaitHint: uint32((3 * time.Minute).Milliseconds())}
			if err := h.ctl.Shutdown(ctx); err != nil {
				h.log.Error("stopping: a profile was not completely updated; its journal keeps the changes", zap.Error(err))
			}
			return false, 0
		}
	}
	return false, 0
}

// sessionEvent reads a WTS_SESSION_LOGON/LOGOFF notification and the user it
// is for.
func (h *handler) sessionEvent(r svc.ChangeRequest) (Event, bool) {
	var kind Kind
	switch r.EventType {
	case windows.WTS_SESSION_LOGON:
		kind = Logon
	case windows.WTS_SESSION_LOGOFF:
		kind = Logoff
	default:
		return Event{}, false
	}
	// EventData points at a WTSSESSION_NOTIFICATION the SCM owns for the
	// call; read through the field's address so vet sees no uintptr round trip.
	n := *(**windows.WTSSESSION_NOTIFICATION)(unsafe.Pointer(&r.EventData))
	ev := Event{Kind: kind, Session: n.SessionID}
	if kind == Logoff {
		return ev, true // the controller knows whose session it was
	}
	u, err := sessionUser(n.SessionID)
	if err != nil {
		h.log.Error("logon: cannot tell whose session this is", zap.Uint32("session", n.SessionID), zap.Error(err))
		return Event{}, false
	}
	ev.User = u
	return ev, true
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
