package main

import (
	"context"
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

	"roamfs/event"
	"roamfs/policy"
	"roamfs/service"
	"roamfs/store"
	"roamfs/store/smb"
	"roamfs/winevent"
)

// serviceInstall registers and starts the service. Re-running it after a
// partial failure (or to upgrade roamfs.exe) finishes the job: every step
// accepts what an earlier run already did.
func serviceInstall(w io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return install(w, installation{exe: exe, start: true})
}

// installation is what install registers.
type installation struct {
	exe   string // roamfs.exe, as the service runs it
	start bool   // start the service once registered (the tests under Wine do not)
}

// install registers the service, the Event Log source and the network
// provider (roamfsnp.dll beside roamfs.exe), then starts the service.
func install(w io.Writer, in installation) error {
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
	s, err := createOrUpdateService(m, in.exe)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := configureService(s); err != nil {
		return err
	}
	if err := winevent.Install(in.exe); err != nil {
		return fmt.Errorf("register the Event Log source: %w; install again", err)
	}
	if dll, ok := providerDLL(in.exe); ok {
		if err := registerProvider(dll); err != nil {
			return fmt.Errorf("%w; install again", err)
		}
		fmt.Fprintf(w, "network provider %s registered: profiles are prepared before Windows loads them\n", dll)
	} else {
		fmt.Fprintf(w, "warning: %s is not beside %s: without the network provider the service prepares a profile "+
			"only when the session has started\n", npDLLName, in.exe)
	}
	if !in.start {
		fmt.Fprintf(w, "service %s registered (%s service run); not started\n", service.Name, in.exe)
		return nil
	}
	running, err := startService(s)
	if err != nil {
		return err
	}
	if running {
		fmt.Fprintf(w, "service %s installed (%s service run); it was already running: the new settings apply from its next start\n", service.Name, in.exe)
		return nil
	}
	fmt.Fprintf(w, "service %s installed and started (%s service run)\n", service.Name, in.exe)
	return nil
}

// serviceUninstall takes the network provider out (first: Winlogon must not
// ask a service that is going), stops the service (which logs every mounted
// profile off), deletes it and removes the Event Log source. A service that
// does not stop in time is still deleted (Windows removes it once it stops),
// but the source stays for the events it still logs, and uninstall says so.
func serviceUninstall(w io.Writer) error {
	if err := unregisterProvider(); err != nil {
		return err
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the Service Control Manager (run as administrator): %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(service.Name)
	if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		// An earlier uninstall got this far: the source may be left.
		if err := winevent.Remove(); err != nil {
			return fmt.Errorf("remove the Event Log source: %w", err)
		}
		fmt.Fprintf(w, "service %s is not installed; the Event Log source is removed\n", service.Name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("open service %s: %w", service.Name, err)
	}
	defer s.Close()
	stopErr := stopService(s, stopWait)
	if err := s.Delete(); err != nil && !errors.Is(err, windows.ERROR_SERVICE_MARKED_FOR_DELETE) {
		return fmt.Errorf("delete service %s: %w", service.Name, err)
	}
	if stopErr != nil {
		return fmt.Errorf("%w; the service is marked for deletion and Windows removes it once it has stopped: "+
			"then run `roamfs service uninstall` again to remove the Event Log source", stopErr)
	}
	if err := winevent.Remove(); err != nil {
		return fmt.Errorf("remove the Event Log source: %w", err)
	}
	fmt.Fprintf(w, "service %s stopped and removed\n", service.Name)
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
	if err := makeMachineDirs(); err != nil {
		return err
	}
	log, err := newFileLogger(filepath.Join(dir, "service.log"), false)
	if err != nil {
		return err
	}
	defer log.Sync()
	users, err := service.ProfilesDirectory()
	if err != nil {
		log.Warn("cannot read where Windows puts new profiles: first logons mount in the default folder", zap.Int("event_id", event.SetupWarning), zap.String("dir", users), zap.Error(err))
	}
	loc := service.WindowsLocator{
		List: service.RegistryProfileList{},
		Policy: func(u service.User) (*policy.Policy, error) {
			return policy.FromRegistry(policy.WindowsRegistry{UserSID: u.SID})
		},
		CacheRoot: cacheRoot(),
		UsersDir:  users,
		MountRoot: mountRoot(),
	}
	ctl := service.New(loc, service.Exec{Binary: exe}, log)
	ctl.SetPreparer(&service.Preparer{
		Home:       service.WindowsHome{},
		Open:       openHiveServer,
		Policy:     loc.Policy,
		OrphanWait: orphanWait,
		UnloadWait: unloadWait,
	})
	log.Info("service started", zap.String("binary", exe))
	pipe := ctl.PipeServer(npLogonWait(log), service.LookupUser, log)
	return service.Run(ctl, log,
		func(ctx context.Context) {
			if err := pipe.Serve(ctx); err != nil {
				log.Error("the logon pipe stopped: profiles are prepared when the session starts", zap.Int("event_id", event.PrepareFailed), zap.Error(err))
			}
		},
		func(ctx context.Context) {
			known, err := service.KnownUsers(cacheRoot())
			if err == nil {
				err = ctl.PrepareKnown(ctx, known)
			}
			if err != nil {
				log.Error("service start: the hives of known users were not all brought in", zap.Int("event_id", event.PrepareFailed), zap.Error(err))
			}
		})
}

const (
	// orphanWait: a profile prepared for a logon that then failed or was
	// cancelled is logged off again after this long without a session.
	orphanWait = 10 * time.Minute
	// unloadWait bounds the logoff's wait for Windows to unload the hive
	// (it does once the user's processes have ended; a program that holds
	// the user's registry open delays it).
	unloadWait = 2 * time.Minute
)

// mountRoot holds the volumes, one mnt\<SID> per user: WinFsp mounts at a
// path that does not exist yet, and the profile folder's junctions lead
// there.
func mountRoot() string { return filepath.Join(machineDir(), "mnt") }

// npLogonWait is the network provider's wait, read from the machine policy
// at each request so that a Group Policy change applies at once.
func npLogonWait(log *zap.Logger) func() time.Duration {
	return func() time.Duration {
		pol, err := policy.FromRegistry(policy.WindowsRegistry{})
		if err != nil {
			log.Warn("the machine policy could not be read: the logon waits the default NPLogonTimeout", zap.Int("event_id", event.SetupWarning), zap.Error(err))
			pol = policy.Default()
		}
		return time.Duration(pol.NPLogonTimeout) * time.Second
	}
}

// openHiveServer opens the server copy for the hive stream: a folder (the
// UNC path, reached as the machine account as the session reaches it) or an
// smb:// address with the service's ROAMFS_SMB_PASSWORD.
func openHiveServer(ctx context.Context, server string) (store.Store, error) {
	if smb.IsURL(server) {
		return smb.Open(ctx, server, smb.Options{})
	}
	return store.OpenDir(server, false)
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
