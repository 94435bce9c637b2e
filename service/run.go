package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Runner logs a profile on (mounting it) and off (syncing and unmounting).
type Runner interface {
	Logon(ctx context.Context, p Profile) error
	Logoff(ctx context.Context, p Profile) error
	// Mounted reports whether p is still mounted: a failed logoff may have
	// unmounted (the sync failed after the unmount) or not (refused for
	// size, a file held open), and Explorer can eject a mount.
	Mounted(p Profile) bool
}

// Exec runs the roamfs binary: the service drives the same commands, flags and
// exit codes an administrator's script uses, so there is one logon path.
type Exec struct {
	Binary string // path to roamfs(.exe)
}

// Logon runs `roamfs logon`, which returns once the mount is ready.
func (e Exec) Logon(ctx context.Context, p Profile) error {
	args := []string{"logon", "--server", p.Server, "--cache", p.Cache}
	if p.PolicyFile != "" {
		args = append(args, "--policy", p.PolicyFile)
	}
	if a := p.User.Account(); a != "" {
		args = append(args, "--user", a)
	}
	// The mount point is the administrator's choice (a home folder, as
	// pam_mount mounts over one): its files being hidden is intended, so the
	// non-empty check meant for a mistyped path by hand does not apply.
	args = append(args, "--allow-non-empty")
	return e.run(ctx, append(args, p.MountPoint)...)
}

// Logoff runs `roamfs logoff`, which returns once the server holds every change.
func (e Exec) Logoff(ctx context.Context, p Profile) error {
	return e.run(ctx, "logoff", p.MountPoint)
}

// Mounted implements Runner.
func (Exec) Mounted(p Profile) bool { return mountedAt(p.MountPoint) }

// ExitError is a roamfs command that failed: its exit code (the CLI's
// contract: 1 failure, 2 usage or configuration, 3 refused) and what it said.
type ExitError struct {
	Args []string
	Code int
	Msg  string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("roamfs %s: exit %d: %s", strings.Join(e.Args, " "), e.Code, e.Msg)
}

func (e Exec) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, e.Binary, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &ExitError{Args: args, Code: ee.ExitCode(), Msg: strings.TrimSpace(out.String())}
	}
	if err != nil {
		return fmt.Errorf("run %s %s: %w", e.Binary, args[0], err)
	}
	return nil
}
