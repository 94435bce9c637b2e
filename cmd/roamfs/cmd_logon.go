package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/session"
	"roamfs/store/s3"
	"roamfs/store/smb"
)

type logonFlags struct {
	server, cache, policy, user string
	credentials                 string
	s3Endpoint                  string
	s3PathStyle                 bool
	foreground, debug           bool
	asJSON                      bool
	allowNonEmpty               bool
	readyFd                     int
	timeout                     time.Duration
}

func newLogonCmd() *cobra.Command {
	var f logonFlags
	c := &cobra.Command{
		Use:   "logon --server DIR --cache DIR [--policy FILE] [--foreground] MOUNTPOINT",
		Short: "Bring the server copy into the cache and mount the profile",
		Long: `logon merges the server copy of the profile into the local cache (a first logon
copies it whole; a missing or empty server copy is created from the default
profile), mounts the profile at MOUNTPOINT and returns once the mount is ready.
The filesystem is then served by a background process until logoff or umount.`,
		Args: exactArgs(1, "MOUNTPOINT"),
		RunE: func(c *cobra.Command, args []string) error { return runLogon(c, f, args[0]) },
	}
	fl := c.Flags()
	fl.StringVar(&f.server, "server", "", "server copy of the profile: a directory (e.g. a mounted share), smb://[DOMAIN;]USER@HOST[:PORT]/SHARE/PATH or s3://BUCKET/PREFIX")
	fl.StringVar(&f.credentials, "credentials", "", "for an smb:// server: smbclient-style credentials file (username =, password =, domain =; mode 0600); default: the password in "+smb.PasswordEnv)
	fl.StringVar(&f.s3Endpoint, "s3-endpoint", "", "for an s3:// server: the S3-compatible server's URL (default: AWS_ENDPOINT_URL, else AWS S3); keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the shared credentials file")
	fl.BoolVar(&f.s3PathStyle, "s3-path-style", false, "for an s3:// server: address the bucket in the path (most S3-compatible servers), not as a host name")
	fl.StringVar(&f.cache, "cache", "", "local cache directory for this user's profile")
	fl.StringVar(&f.policy, "policy", "", "YAML policy file (Group Policy value names)")
	fl.StringVar(&f.user, "user", "", "whose profile this is (default: the calling user)")
	fl.BoolVar(&f.foreground, "foreground", false, "serve the mount in this process instead of a background one")
	fl.BoolVar(&f.debug, "debug", false, "log every FUSE request")
	fl.BoolVar(&f.asJSON, "json", false, "print the outcome as one JSON object (keys ok mountpoint pid files_pending bytes_pending, or ok code error), and the progress as JSON status lines on stderr")
	fl.BoolVar(&f.allowNonEmpty, "allow-non-empty", false, "mount over a folder that holds files (they are hidden until logoff)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "how long to wait for the mount to be ready")
	fl.IntVar(&f.readyFd, "ready-fd", 0, "internal: descriptor on which the daemon reports readiness")
	fl.MarkHidden("ready-fd")
	return c
}

// logonConfig is a checked `roamfs logon`: the session's configuration and
// the user it runs for.
type logonConfig struct {
	session.Config
	user profileUser
}

func (f *logonFlags) validate(mnt string) (logonConfig, error) {
	var cfg logonConfig
	for _, n := range []string{"server", "cache"} {
		if v, _ := map[string]string{"server": f.server, "cache": f.cache}[n]; v == "" {
			return cfg, usageError{fmt.Errorf("logon: --%s is required", n)}
		}
	}
	u, err := lookupUser(f.user)
	if err != nil {
		return cfg, err
	}
	pol, err := loadPolicy(f.policy, u.SID)
	if err != nil {
		// A policy file that cannot be read is a configuration error too.
		return cfg, usageError{fmt.Errorf("logon: %w; nothing was mounted", err)}
	}
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	cfg = logonConfig{user: u, Config: session.Config{
		Server: serverSpec(f.server), Mountpoint: abs(mnt), Policy: pol, Debug: f.debug,
		User: session.User{Name: u.Name, Owner: u.owner()},
	}}
	if f.credentials != "" {
		cfg.Credentials = abs(f.credentials)
	}
	cfg.S3 = session.S3Options{Endpoint: f.s3Endpoint, PathStyle: f.s3PathStyle}
	if s3.IsURL(cfg.Server) {
		if _, err := s3.ParseURL(cfg.Server); err != nil {
			return cfg, usageError{fmt.Errorf("logon: %w", err)}
		}
	} else if smb.IsURL(cfg.Server) {
		// Checked now, so that a typo is a usage error before anything starts;
		// the share's own ACL says who owns the folder there.
		if _, err := smb.ParseURL(cfg.Server); err != nil {
			return cfg, usageError{fmt.Errorf("logon: %w", err)}
		}
	} else if !pol.CompatibleRUPSecurity {
		if err := checkServerOwner(cfg.Server, u); err != nil {
			return cfg, err
		}
	}
	if f.policy != "" {
		cfg.PolicyFile = abs(f.policy)
	}
	if cfg.Layout, err = cachedir.New(f.cache); err != nil {
		return cfg, usageError{err}
	}
	if err := checkMountPoint(cfg.Mountpoint); err != nil {
		return cfg, usageError{fmt.Errorf("logon: %w", err)}
	}
	if !f.allowNonEmpty {
		if err := checkMountPointEmpty(cfg.Mountpoint); err != nil {
			return cfg, usageError{fmt.Errorf("logon: %w", err)}
		}
	}
	if src, ok := mountSource(cfg.Mountpoint); ok {
		return cfg, codedError{ExitFailure, fmt.Errorf("logon: %s is already mounted (%s); log that session off first", cfg.Mountpoint, src)}
	}
	if err := secureCache(cfg.Layout, u); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func runLogon(c *cobra.Command, f logonFlags, mnt string) error {
	cfg, err := f.validate(mnt)
	if err != nil {
		if f.asJSON {
			json.NewEncoder(c.OutOrStdout()).Encode(readyMsg{Code: exitCode(err), Error: err.Error()})
		}
		return err
	}
	if !f.foreground {
		return startDaemon(c, f, cfg)
	}
	notify := func(err error) {
		if f.readyFd == 0 {
			switch {
			case f.asJSON && err == nil:
				printLogonJSON(c.OutOrStdout(), cfg, os.Getpid())
			case f.asJSON:
				json.NewEncoder(c.OutOrStdout()).Encode(readyMsg{Code: exitCode(err), Error: err.Error()})
			case err == nil:
				fmt.Fprintf(c.OutOrStdout(), "profile mounted at %s\n", cfg.Mountpoint)
			}
			return
		}
		w := readyFile(f.readyFd)
		msg := readyMsg{OK: err == nil}
		if err != nil {
			msg.Error, msg.Code = err.Error(), exitCode(err)
		}
		json.NewEncoder(w).Encode(msg)
		w.Close()
	}
	return runSession(cfg, notify)
}

// printPending says how much of a streamed logon is still to come, as the
// daemon recorded it when the mount became ready.
func printPending(w io.Writer, cfg logonConfig) {
	st, err := cfg.Layout.ReadStatus()
	if err != nil || st.FilesPending == nil || *st.FilesPending == 0 {
		return
	}
	how := "in the background"
	if !cfg.Policy.PSAlwaysCache {
		how = "when first opened (PSAlwaysCache is off)"
	}
	fmt.Fprintf(w, "%d files (%.1f MB) not local yet: fetched %s\n", *st.FilesPending, float64(*st.BytesPending)/(1<<20), how)
}

// logonResult is `roamfs logon --json` when the profile is mounted.
type logonResult struct {
	OK           bool   `json:"ok"`
	Mountpoint   string `json:"mountpoint"`
	PID          int    `json:"pid"`
	FilesPending int    `json:"files_pending"` // files of a streamed logon not local yet
	BytesPending int64  `json:"bytes_pending"`
}

func printLogonJSON(w io.Writer, cfg logonConfig, pid int) {
	r := logonResult{OK: true, Mountpoint: cfg.Mountpoint, PID: pid}
	if st, err := cfg.Layout.ReadStatus(); err == nil && st.FilesPending != nil {
		r.FilesPending = *st.FilesPending
		if st.BytesPending != nil {
			r.BytesPending = *st.BytesPending
		}
	}
	json.NewEncoder(w).Encode(r)
}

type readyMsg struct {
	OK    bool   `json:"ok"`
	Code  int    `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// runSession is the daemon: the session's whole life (session.Run), logged
// to the cache's log file and served through this platform's front end.
// notify reports readiness (or the reason there is none) exactly once.
func runSession(cfg logonConfig, notify func(error)) error {
	tuneGC()
	fail := func(err error) error { notify(err); return err }
	if err := cfg.Layout.Create(); err != nil {
		return fail(err)
	}
	log, err := newFileLogger(cfg.Layout.LogFile(), cfg.Debug)
	if err != nil {
		return fail(fmt.Errorf("open log: %w", err))
	}
	cfg.Log, cfg.Mount = log, mountProfile
	startDebugServer(log)
	return session.Run(context.Background(), cfg.Config, notify)
}

// startDaemon re-runs this logon in a new session in the background and waits
// for the child to say the mount is ready, or why it is not: readiness is a
// message on a pipe, never a guess made by sleeping.
func startDaemon(c *cobra.Command, f logonFlags, cfg logonConfig) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe)
	args := []string{"logon", "--foreground", "--ready-fd", passReady(cmd, w), "--server", cfg.Server, "--cache", cfg.Layout.Dir}
	if cfg.PolicyFile != "" {
		args = append(args, "--policy", cfg.PolicyFile)
	}
	if f.allowNonEmpty {
		args = append(args, "--allow-non-empty")
	}
	if cfg.Credentials != "" {
		args = append(args, "--credentials", cfg.Credentials)
	}
	if cfg.S3.Endpoint != "" {
		args = append(args, "--s3-endpoint", cfg.S3.Endpoint)
	}
	if cfg.S3.PathStyle {
		args = append(args, "--s3-path-style")
	}
	if f.debug {
		args = append(args, "--debug")
	}
	if logOpts.level != "" {
		args = append(args, "--log-level", logOpts.level)
	}
	args = append(args, "--user", cfg.user.Name)
	args = append(args, cfg.Mountpoint)
	cmd.Args = append(cmd.Args, args...)
	if err := os.MkdirAll(cfg.Layout.State(), 0o700); err != nil {
		return err
	}
	// The daemon's own output (a panic, the Go runtime's messages) goes to a
	// file of its own: roamfs.log holds JSON lines only.
	if out, err := os.OpenFile(daemonOutput(cfg.Layout), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		cmd.Stdout, cmd.Stderr = out, out
		defer out.Close()
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start daemon: %w", err)
	}
	w.Close()
	got := make(chan readyMsg, 1)
	go func() {
		var m readyMsg
		line, err := bufio.NewReader(r).ReadBytes('\n')
		if err != nil || json.Unmarshal(line, &m) != nil {
			m = readyMsg{Code: ExitFailure, Error: "the daemon exited before the mount was ready; see " + cfg.Layout.LogFile() + " and " + daemonOutput(cfg.Layout)}
		}
		got <- m
	}()
	stop := watchProgress(cfg.Layout, f.asJSON, os.Stderr)
	defer stop()
	undo := detachOnInterrupt("logon", fmt.Sprintf("`roamfs status --cache %s` shows when the profile is mounted, `roamfs logoff %s` ends it", cfg.Layout.Dir, cfg.Mountpoint))
	defer undo()
	select {
	case m := <-got:
		stop()
		if !m.OK {
			cmd.Wait()
			if f.asJSON {
				json.NewEncoder(c.OutOrStdout()).Encode(m)
			}
			return codedError{m.Code, errors.New(m.Error)}
		}
		if f.asJSON {
			printLogonJSON(c.OutOrStdout(), cfg, cmd.Process.Pid)
		} else {
			fmt.Fprintf(c.OutOrStdout(), "profile mounted at %s (daemon pid %s)\n", cfg.Mountpoint, strconv.Itoa(cmd.Process.Pid))
			printPending(c.OutOrStdout(), cfg)
		}
		cmd.Process.Release()
		return nil
	case <-time.After(f.timeout):
		stopDaemon(cmd.Process)
		return fmt.Errorf("logon: the mount was not ready after %s; see %s", f.timeout, cfg.Layout.LogFile())
	}
}

// daemonOutput is where a background daemon's stdout and stderr go.
func daemonOutput(l cachedir.Layout) string { return filepath.Join(l.State(), "daemon-output.log") }

// serverSpec is --server as the session takes it: an smb:// address as
// given, a directory made absolute (the daemon runs elsewhere).
func serverSpec(s string) string {
	if smb.IsURL(s) || s3.IsURL(s) {
		return s
	}
	a, _ := filepath.Abs(s)
	return a
}
