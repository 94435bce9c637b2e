package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"

	"roamfs/policy"
	"roamfs/service"
	"roamfs/winevent"
)

func serviceInstall(w io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if dir, ok := winfspDir(); ok {
		fmt.Fprintf(w, "WinFsp found in %s\n", dir)
	} else {
		fmt.Fprintln(w, "warning: WinFsp is not installed; install it (winfsp.dev) before the first logon")
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the Service Control Manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	s, err := m.CreateService(service.Name, exe, mgr.Config{
		StartType:   mgr.StartAutomatic,
		DisplayName: "roamfs roaming profiles",
		Description: "Mounts each user's roaming profile at logon and syncs it to the server at logoff; nothing is lost.",
	}, "service", "run")
	if err != nil {
		return fmt.Errorf("create service %s: %w", service.Name, err)
	}
	defer s.Close()
	// A crashed service restarts; the journal carries every change across.
	s.SetRecoveryActions([]mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
	}, 86400)
	if err := winevent.Install(exe); err != nil {
		return fmt.Errorf("register the Event Log source: %w", err)
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("start service %s: %w", service.Name, err)
	}
	fmt.Fprintf(w, "service %s installed and started (%s service run)\n", service.Name, exe)
	return nil
}

func serviceUninstall(w io.Writer) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the Service Control Manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(service.Name)
	if err != nil {
		return fmt.Errorf("open service %s: %w", service.Name, err)
	}
	defer s.Close()
	if st, err := s.Control(svc.Stop); err == nil {
		// Stopping logs every mounted profile off first.
		for deadline := time.Now().Add(5 * time.Minute); st.State != svc.Stopped && time.Now().Before(deadline); {
			time.Sleep(time.Second)
			if st, err = s.Query(); err != nil {
				break
			}
		}
	}
	if err := s.Delete(); err != nil {
		return fmt.Errorf("delete service %s: %w", service.Name, err)
	}
	if err := winevent.Remove(); err != nil {
		return fmt.Errorf("remove the Event Log source: %w", err)
	}
	fmt.Fprintf(w, "service %s removed\n", service.Name)
	return nil
}

func serviceRun() error {
	if ok, err := svc.IsWindowsService(); err != nil || !ok {
		return usageError{errors.New("roamfs service run is started by the Service Control Manager; use `roamfs service install`")}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir := machineDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	log, err := newFileLogger(filepath.Join(dir, "service.log"), false)
	if err != nil {
		return err
	}
	defer log.Sync()
	drive := os.Getenv("SystemDrive")
	if drive == "" {
		drive = "C:"
	}
	loc := service.WindowsLocator{
		List: service.RegistryProfileList{},
		Policy: func(u service.User) (*policy.Policy, error) {
			return policy.FromRegistry(policy.WindowsRegistry{UserSID: u.SID})
		},
		CacheRoot: filepath.Join(dir, "cache"),
		UsersDir:  drive + `\Users`,
	}
	ctl := service.New(loc, service.Exec{Binary: exe}, log)
	log.Info("service started", zap.String("binary", exe))
	return service.Run(ctl, log)
}

// winfspDir is where WinFsp is installed, as its (32-bit) installer records
// it: KEY_WOW64_32KEY reaches SOFTWARE\WOW6432Node on a 64-bit system.
func winfspDir() (string, bool) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\WinFsp`, registry.QUERY_VALUE|windows.KEY_WOW64_32KEY)
	if err != nil {
		return "", false
	}
	defer k.Close()
	dir, _, err := k.GetStringValue("InstallDir")
	return dir, err == nil && dir != ""
}
