package login

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"roamfs/service"
)

// UnitName is the instance of roamfs@.service that serves user's profile.
func UnitName(user string) string { return "roamfs@" + escapeInstance(user) + ".service" }

// escapeInstance is `systemd-escape`: the unit's ExecStart gets the name
// back unescaped through %I.
func escapeInstance(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == ':',
			c == '.' && i > 0:
			b.WriteByte(c)
		case c == '/':
			b.WriteByte('-')
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}

// SystemdRunning is sd_booted(): systemd is the machine's init.
func SystemdRunning() bool {
	fi, err := os.Lstat("/run/systemd/system")
	return err == nil && fi.IsDir()
}

// NewRunner chooses how a logon is served. Under systemd the daemon runs in
// the system unit roamfs@USER.service, out of the user's session scope: with
// logind's KillUserProcesses=yes a daemon in the scope would be killed with
// the session, before it could sync, and the unit is what stops (and syncs)
// at shutdown after the users' sessions. Without systemd (a container, CI)
// `roamfs logon` starts the daemon itself, detached in a session of its own.
// Either way the logoff is `roamfs logoff`, whose exit code says whether the
// server holds every change.
func NewRunner(binary string, lookup func(string) (Account, error)) service.Runner {
	if lookup == nil {
		lookup = LookupAccount
	}
	r := runner{Exec: service.Exec{Binary: binary}, lookup: lookup}
	if SystemdRunning() && UnitInstalled() {
		return unitRunner{r}
	}
	return r
}

// unitDirs are where systemd looks for system units (systemd.unit(5)), the
// administrator's first.
var unitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}

// UnitInstalled reports whether roamfs@.service is installed. A machine
// under systemd without it (the binary copied, the unit not) gets the
// detached daemon rather than a `systemctl start` of a unit that does not
// exist, which would fail every login's logon.
//
// The first folder holding the name decides, as systemd's search path does:
// a unit masked there (a link to /dev/null, or an empty file) is not
// installed.
func UnitInstalled() bool {
	for _, d := range unitDirs {
		p := filepath.Join(d, "roamfs@.service")
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		if t, err := filepath.EvalSymlinks(p); err == nil && t == os.DevNull {
			return false
		}
		fi, err := os.Stat(p)
		return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
	}
	return false
}

// runner is the detached daemon: `roamfs logon --user NAME`.
type runner struct {
	service.Exec
	lookup func(string) (Account, error)
}

// Logon makes the mount point when it is missing (a first login, or ~/Profile)
// and runs the logon.
func (r runner) Logon(ctx context.Context, p service.Profile) error {
	if err := MakeMountPoint(p, r.lookup); err != nil {
		return err
	}
	return r.Exec.Logon(ctx, p)
}

// MakeMountPoint creates p's mount point, the user's own (0700), when it is
// missing and its parent exists; a missing home is left to pam_mkhomedir,
// which runs before roamfs in the PAM stack.
func MakeMountPoint(p service.Profile, lookup func(string) (Account, error)) error {
	if _, err := os.Stat(p.MountPoint); err == nil {
		return nil
	}
	if lookup == nil {
		lookup = LookupAccount
	}
	a, err := lookup(p.User.Name)
	if err != nil {
		return err
	}
	if err := os.Mkdir(p.MountPoint, 0o700); err != nil {
		return fmt.Errorf("create the mount point: %w", err)
	}
	if err := os.Chown(p.MountPoint, a.UID, a.GID); err != nil {
		return fmt.Errorf("give the mount point to %s: %w", a.Name, err)
	}
	return nil
}

// unitRunner starts roamfs@USER.service and waits for its readiness
// (Type=notify: the unit is started once the profile is mounted).
type unitRunner struct{ runner }

func (r unitRunner) Logon(ctx context.Context, p service.Profile) error {
	if err := MakeMountPoint(p, r.lookup); err != nil {
		return err
	}
	unit := UnitName(p.User.Name)
	cmd := exec.CommandContext(ctx, "systemctl", "start", unit)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &service.ExitError{Args: []string{"systemctl start " + unit}, Code: ee.ExitCode(),
			Msg: strings.TrimSpace(out.String()) + "; see journalctl -u " + unit}
	}
	if err != nil {
		return fmt.Errorf("systemctl start %s: %w", unit, err)
	}
	return nil
}
