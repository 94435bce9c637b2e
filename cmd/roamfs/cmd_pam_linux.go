package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"roamfs/event"
	"roamfs/internal/journald"
	"roamfs/login"
	"roamfs/service"
)

const defaultLoginConfig = login.DefaultConfigFile

// pamHook is one pam_exec run. pam_exec gives the program the PAM
// environment only (no PATH) and its exit status decides the module's
// result: 0 success, anything else PAM_SYSTEM_ERR.
func pamHook(c *cobra.Command, configPath string) error {
	typ, user := os.Getenv("PAM_TYPE"), os.Getenv("PAM_USER")
	if typ == "" {
		return usageError{errors.New("roamfs pam is run by pam_exec.so at session open and close (PAM_TYPE is not set); see README, Linux logins")}
	}
	if typ != "open_session" && typ != "close_session" {
		return nil // an auth or account line: sessions are all roamfs acts on
	}
	if os.Getenv("PATH") == "" {
		os.Setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	cfg, err := login.LoadConfig(configPath)
	if err != nil {
		return usageError{fmt.Errorf("%s: %w; no profile was mounted", typ, err)}
	}
	log := pamLogger(cfg.LogFile).With(zap.String("pam_type", typ), zap.String("pam_service", os.Getenv("PAM_SERVICE")))
	defer log.Sync()
	switch {
	case login.SystemdRunning() && !login.UnitInstalled():
		log.Warn("systemd runs this machine but roamfs@.service is not installed (contrib/roamfs@.service): "+
			"the daemon runs detached, and logind's KillUserProcesses=yes or a shutdown may stop it before it syncs", zap.Int("event_id", event.SetupWarning))
	case login.SystemdRunning() && configPath != login.DefaultConfigFile:
		log.Warn("roamfs@.service reads "+login.DefaultConfigFile+", not --config "+configPath, zap.Int("event_id", event.SetupWarning))
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	h := login.Hook{Config: cfg, Runner: login.NewRunner(exe, nil), Log: log}
	caller := login.Caller{User: user, PID: os.Getppid(), Service: os.Getenv("PAM_SERVICE"),
		TTY: os.Getenv("PAM_TTY"), RHost: os.Getenv("PAM_RHOST")}
	if typ == "close_session" {
		return h.Close(context.Background(), caller)
	}
	if err := h.Open(context.Background(), caller); err != nil {
		// Shown to the user by pam_exec's "stdout" option; the reason, with
		// its details, is in the log.
		fmt.Fprintln(c.OutOrStdout(), "roamfs: your roaming profile could not be loaded; the reason is in the system log (roamfs-pam)")
		return err
	}
	return nil
}

// pamLogger logs the hook's decisions to cfg.LogFile and, where there is
// one, to the journal (identifier roamfs-pam, each field a journal field).
// A log that cannot be opened must not cost the user their login.
func pamLogger(path string) *zap.Logger {
	var cores []zapcore.Core
	if path != "" {
		os.MkdirAll(filepath.Dir(path), 0o750)
		if l, err := newFileLogger(path, false); err == nil {
			cores = append(cores, l.Core())
		}
	}
	if jc, err := journald.NewCore(zapcore.InfoLevel, "roamfs-pam"); err == nil {
		cores = append(cores, jc)
	}
	return zap.New(zapcore.NewTee(cores...))
}

// pamServe is the unit's daemon: USER's profile as the configuration places
// it, served in this process; systemd hears READY=1 once it is mounted (the
// `systemctl start` of the PAM hook returns then) or why it is not.
func pamServe(_ *cobra.Command, configPath, user string) error {
	cfg, err := login.LoadConfig(configPath)
	if err != nil {
		journald.Ready("", err)
		return usageError{err}
	}
	prof, err := login.Locator{Config: cfg}.Locate(service.User{Name: user})
	if err == nil {
		err = login.MakeMountPoint(prof, nil)
	}
	if err != nil {
		journald.Ready("", err)
		return usageError{fmt.Errorf("pam serve %s: %w", user, err)}
	}
	f := logonFlags{server: prof.Server, cache: prof.Cache, policy: prof.PolicyFile, user: user, foreground: true,
		// The administrator chose the mount point (the home itself, as with
		// pam_mount, is a valid choice): its files being hidden is intended.
		allowNonEmpty: true}
	lc, err := f.validate(prof.MountPoint)
	if err != nil {
		journald.Ready("", err)
		return err
	}
	return runSession(lc, func(err error) {
		journald.Ready(fmt.Sprintf("the profile of %s is mounted at %s", user, lc.Mountpoint), err)
	})
}
