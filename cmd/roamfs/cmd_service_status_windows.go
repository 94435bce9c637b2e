package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"roamfs/service"
	"roamfs/winevent"
)

// serviceStatus says what `service install` put in place and whether WinFsp
// is there: the service (its state and command line), the Event Log source,
// the network provider and its place in the provider order.
func serviceStatus(w io.Writer) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the Service Control Manager: %w", err)
	}
	defer m.Disconnect()
	fmt.Fprintf(w, "service %s: %s\n", service.Name, describeService(m))
	if k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Services\EventLog\Application\`+winevent.Source, registry.QUERY_VALUE); err == nil {
		k.Close()
		fmt.Fprintf(w, "event source: %s registered in the Application log\n", winevent.Source)
	} else {
		fmt.Fprintln(w, "event source: not registered")
	}
	np, err := readProvider()
	switch {
	case err != nil:
		fmt.Fprintf(w, "network provider: cannot be read: %v\n", err)
	case np.Path == "":
		fmt.Fprintln(w, "network provider: not registered (profiles are prepared when the session has started)")
	default:
		state := "registered"
		if !np.DLLPresent {
			state += ", but the DLL is missing"
		}
		if !np.InOrder {
			state += ", but not in the provider order (Winlogon does not call it)"
		}
		fmt.Fprintf(w, "network provider: %s (%s)\n", np.Path, state)
	}
	if dir, ok := winfspDir(); ok {
		dll := filepath.Join(dir, "bin", winfspDLL())
		if _, err := os.Stat(dll); err == nil {
			fmt.Fprintf(w, "WinFsp: installed in %s\n", dir)
		} else {
			fmt.Fprintf(w, "WinFsp: registered in %s, but %s is missing: repair WinFsp\n", dir, dll)
		}
	} else {
		fmt.Fprintln(w, "WinFsp: not installed (winfsp.dev): no profile can be mounted")
	}
	return nil
}

// describeService is the service's state and command line, or why not.
func describeService(m *mgr.Mgr) string {
	s, err := m.OpenService(service.Name)
	if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		return "not installed"
	}
	if err != nil {
		return fmt.Sprintf("cannot be opened: %v", err)
	}
	defer s.Close()
	st, err := s.Query()
	if err != nil {
		return fmt.Sprintf("installed, state unknown: %v", err)
	}
	desc := "installed, " + stateName(st.State)
	if cmd, err := serviceCommand(s); err == nil {
		desc += " (" + cmd + ")"
	}
	return desc
}

// serviceCommand is the service's command line. mgr.Service.Config asks for
// the description too, which Wine cannot answer; this asks for level 1 only.
func serviceCommand(s *mgr.Service) (string, error) {
	var need uint32
	err := windows.QueryServiceConfig(s.Handle, nil, 0, &need)
	if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
		return "", err
	}
	buf := make([]byte, need)
	cfg := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&buf[0]))
	if err := windows.QueryServiceConfig(s.Handle, cfg, need, &need); err != nil {
		return "", err
	}
	return windows.UTF16PtrToString(cfg.BinaryPathName), nil
}

func stateName(st svc.State) string {
	switch st {
	case svc.Stopped:
		return "stopped"
	case svc.StartPending:
		return "starting"
	case svc.StopPending:
		return "stopping"
	case svc.Running:
		return "running"
	}
	return fmt.Sprintf("state %d", st)
}

// winfspDLL is the WinFsp DLL of this machine's architecture.
func winfspDLL() string {
	if runtime.GOARCH == "arm64" {
		return "winfsp-a64.dll"
	}
	return "winfsp-x64.dll"
}
