package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/session"
	"roamfs/syncer"
)

func newLogoffCmd() *cobra.Command {
	var asJSON, dryRun, allowMassDelete bool
	c := &cobra.Command{
		Use:   "logoff [--json] MOUNTPOINT",
		Short: "Unmount the profile and merge its changes into the server copy",
		Long: `logoff unmounts the profile, replays the change journal against the server copy
and returns once the server holds every change. A plain umount does the same:
the daemon notices and syncs before it exits.`,
		Args: exactArgs(1, "MOUNTPOINT"),
		RunE: func(c *cobra.Command, args []string) error {
			if dryRun {
				d, err := logoffDryRun(args[0], allowMassDelete)
				if err != nil {
					return err
				}
				return printDryRun(c, d, asJSON)
			}
			progressJSON = asJSON
			reply, err := logoff(args[0], allowMassDelete)
			if reply.Quota != nil {
				printQuota(c.ErrOrStderr(), reply.Quota)
			}
			if reply.Result == nil {
				reply.Result = &syncer.Result{Error: reply.Error}
			}
			if asJSON {
				json.NewEncoder(c.OutOrStdout()).Encode(reply.Result)
			} else {
				printResult(c, *reply.Result, false)
			}
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the sync result (or the plan, one step a line) as JSON")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan (each path, the action, the rule) and exit as the logoff would; change nothing")
	c.Flags().BoolVar(&allowMassDelete, "allow-mass-delete", false, "let this logoff delete more of the server than MassDeletePercent")
	return c
}

// sessionOf finds the cache of the roamfs mount at mnt, or of the session
// there whose daemon was killed (logoffSource).
func sessionOf(mnt string) (string, cachedir.Layout, error) {
	abs, _ := filepath.Abs(mnt)
	src, ok := logoffSource(abs)
	if !ok {
		return abs, cachedir.Layout{}, codedError{ExitFailure, fmt.Errorf("%s is not a roamfs mount", abs)}
	}
	l, err := cachedir.New(src)
	return abs, l, err
}

// logoffDryRun asks the session what its logoff would do now, or plans from
// the cache as a logoff of a dead daemon's mount would.
func logoffDryRun(mnt string, allowMassDelete bool) (session.DryRun, error) {
	_, l, err := sessionOf(mnt)
	if err != nil {
		return session.DryRun{}, err
	}
	c, err := session.Dial(l)
	if errors.Is(err, session.ErrNoSession) {
		o, err := openOffline(l, offlineFlags{}, false)
		if err != nil {
			return session.DryRun{}, err
		}
		defer o.Close()
		return o.DryRun(context.Background(), session.DryRunCheck{Quota: true, AllowMassDelete: allowMassDelete}), nil
	}
	if err != nil {
		return session.DryRun{}, err
	}
	return c.DryRun(allowMassDelete)
}

func logoff(mnt string, allowMassDelete bool) (session.Reply, error) {
	abs, l, err := sessionOf(mnt)
	if err != nil {
		return session.Reply{}, err
	}
	c, err := session.Dial(l)
	if errors.Is(err, session.ErrNoSession) {
		return logoffDead(l, abs, allowMassDelete)
	}
	stop := watchProgress(l, progressJSON, os.Stderr)
	defer stop()
	undo := detachOnInterrupt("logoff", fmt.Sprintf("`roamfs status --cache %s` shows how it ends", l.Dir))
	defer undo()
	return c.Logoff(allowMassDelete)
}

// logoffDead handles a mount whose daemon was killed: detach the dead mount and
// run the sync from this process.
func logoffDead(l cachedir.Layout, mnt string, allowMassDelete bool) (session.Reply, error) {
	if err := detachDeadMount(mnt); err != nil {
		return session.Reply{}, fmt.Errorf("detach dead mount %s: %w", mnt, err)
	}
	o, err := openOffline(l, offlineFlags{}, false)
	if err != nil {
		return session.Reply{}, err
	}
	defer o.Close()
	o.Syncer().AllowMassDelete(allowMassDelete)
	stop := watchSyncer(o.Syncer(), progressJSON, os.Stderr)
	res, err := o.Sync(context.Background(), o.Syncer().Logoff)
	stop()
	l.UpdateStatus(func(st *cachedir.Status) { st.Loaded = false })
	if err == nil {
		forgetDeadMount(mnt)
	}
	return session.Reply{Result: &res}, err
}

// printQuota is what a logoff refused for size shows: the message, the size
// against the limit, and the files largest first, as Windows' proquota does.
func printQuota(w io.Writer, q *syncer.QuotaReport) {
	fmt.Fprintf(w, "%s\n\nprofile size %d KB, limit %d KB\n", q.Message, (q.Size+1023)/1024, q.Limit/1024)
	for i, f := range q.Largest {
		if i == 50 {
			fmt.Fprintf(w, "... and %d more\n", len(q.Largest)-i)
			break
		}
		fmt.Fprintf(w, "%10d KB  %s\n", (f.Size+1023)/1024, f.Path)
	}
}

// progressJSON: the running command prints JSON (its progress as JSON
// status lines on stderr).
var progressJSON bool
