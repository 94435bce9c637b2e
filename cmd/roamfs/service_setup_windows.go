package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"roamfs/service"
)

const (
	// preshutdownTimeout is how long Windows waits for the service at
	// shutdown, where it syncs every mounted profile. Its default (10 s on
	// recent versions) cuts a logoff sync short; the service's own stop
	// (service/scm_windows.go) asks for the same 3 minutes.
	preshutdownTimeout = 3 * time.Minute
	// stopWait bounds uninstall's wait for the service, which logs every
	// mounted profile off before it stops.
	stopWait = 5 * time.Minute
)

// serviceConfig is the service as install registers it, the same whether it
// creates the service or brings back one a previous install left.
func serviceConfig(exe string) mgr.Config {
	return mgr.Config{
		ServiceType:    windows.SERVICE_WIN32_OWN_PROCESS,
		StartType:      mgr.StartAutomatic,
		ErrorControl:   mgr.ErrorNormal, // a failed start is logged in the System log
		BinaryPathName: syscall.EscapeArg(exe) + " service run",
		DisplayName:    "roamfs roaming profiles",
		Description:    "Mounts each user's roaming profile at logon and syncs it to the server at logoff; nothing is lost.",
	}
}

// createOrUpdateService creates the service, or, when an earlier install
// stopped part way (or this is an upgrade from another folder), updates the
// existing one to this configuration, so that install can simply be re-run.
func createOrUpdateService(m *mgr.Mgr, exe string) (*mgr.Service, error) {
	cfg := serviceConfig(exe)
	s, err := m.CreateService(service.Name, exe, cfg, "service", "run")
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, windows.ERROR_SERVICE_MARKED_FOR_DELETE):
		return nil, fmt.Errorf("create service %s: an uninstall is waiting for the running service to stop; "+
			"wait until it has (or restart Windows), then install again: %w", service.Name, err)
	case !errors.Is(err, windows.ERROR_SERVICE_EXISTS):
		return nil, fmt.Errorf("create service %s (run as administrator): %w", service.Name, err)
	}
	if s, err = m.OpenService(service.Name); err != nil {
		return nil, fmt.Errorf("open the existing service %s: %w", service.Name, err)
	}
	if err := s.UpdateConfig(cfg); err != nil {
		s.Close()
		return nil, fmt.Errorf("update the existing service %s: %w; run `roamfs service uninstall`, then install again", service.Name, err)
	}
	return s, nil
}

// preshutdownInfo is SERVICE_PRESHUTDOWN_INFO, which x/sys/windows does not
// define.
type preshutdownInfo struct{ PreshutdownTimeout uint32 } // milliseconds

// configureService sets what CreateService cannot: restart on failure and
// the pre-shutdown timeout.
func configureService(s *mgr.Service) error {
	// A crashed service restarts; the journal carries every change across.
	err := s.SetRecoveryActions([]mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
	}, 86400)
	if err != nil {
		return fmt.Errorf("set the recovery actions of service %s (restart on failure): %w; install again, or set them in services.msc → Recovery", service.Name, err)
	}
	info := preshutdownInfo{PreshutdownTimeout: uint32(preshutdownTimeout.Milliseconds())}
	err = windows.ChangeServiceConfig2(s.Handle, windows.SERVICE_CONFIG_PRESHUTDOWN_INFO, (*byte)(unsafe.Pointer(&info)))
	if err != nil {
		return fmt.Errorf("set the pre-shutdown timeout of service %s to %s (without it Windows may cut the shutdown sync short): %w; install again", service.Name, preshutdownTimeout, err)
	}
	return nil
}

// startService starts the service; one already running (a re-run install)
// is not an error, and running reports it.
func startService(s *mgr.Service) (running bool, err error) {
	err = s.Start()
	if errors.Is(err, windows.ERROR_SERVICE_ALREADY_RUNNING) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("start service %s: %w; see %s and the Application log", service.Name, err, filepath.Join(machineDir(), "service.log"))
	}
	return false, nil
}

// stopService stops the service and waits up to wait for it: it logs every
// mounted profile off first. A service already stopped is fine.
func stopService(s *mgr.Service, wait time.Duration) error {
	st, err := s.Control(svc.Stop)
	switch {
	case errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE):
		return nil
	case errors.Is(err, windows.ERROR_SERVICE_CANNOT_ACCEPT_CTRL) && st.State == svc.StopPending:
		// Already stopping (an earlier uninstall, or Windows): wait for it.
	case err != nil:
		return fmt.Errorf("stop service %s (state %d): %w", service.Name, st.State, err)
	}
	for deadline := time.Now().Add(wait); st.State != svc.Stopped; {
		if time.Now().After(deadline) {
			return fmt.Errorf("service %s did not stop within %s: it is still logging profiles off (see %s)",
				service.Name, wait, filepath.Join(machineDir(), "service.log"))
		}
		time.Sleep(time.Second)
		if st, err = s.Query(); err != nil {
			return fmt.Errorf("query service %s while it stops: %w", service.Name, err)
		}
	}
	return nil
}
