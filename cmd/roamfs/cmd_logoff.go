package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"roamfs/cachedir"
	"roamfs/syncer"
)

func newLogoffCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "logoff [--json] MOUNTPOINT",
		Short: "Unmount the profile and merge its changes into the server copy",
		Long: `logoff unmounts the profile, replays the change journal against the server copy
and returns once the server holds every change. A plain umount does the same:
the daemon notices and syncs before it exits.`,
		Args: exactArgs(1, "MOUNTPOINT"),
		RunE: func(c *cobra.Command, args []string) error {
			reply, err := logoff(args[0])
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
	c.Flags().BoolVar(&asJSON, "json", false, "print the sync result as JSON")
	return c
}

func logoff(mnt string) (logoffReply, error) {
	abs, _ := filepath.Abs(mnt)
	src, ok := mountSource(abs)
	if !ok {
		return logoffReply{}, codedError{ExitFailure, fmt.Errorf("%s is not a roamfs mount", abs)}
	}
	l, err := cachedir.New(src)
	if err != nil {
		return logoffReply{}, err
	}
	c, err := dialSession(l)
	if errors.Is(err, errNoDaemon) {
		return logoffDead(l, abs)
	}
	body, err := c.do("POST", "/logoff")
	if err != nil {
		return logoffReply{}, err
	}
	defer body.Close()
	var reply logoffReply
	if err := json.NewDecoder(body).Decode(&reply); err != nil {
		return reply, fmt.Errorf("session daemon gave no result: %w; run `roamfs status --cache %s`", err, l.Dir)
	}
	if reply.Code != ExitOK {
		return reply, codedError{reply.Code, errors.New(reply.Error)}
	}
	return reply, nil
}

// logoffDead handles a mount whose daemon was killed: detach the dead mount and
// run the sync from this process.
func logoffDead(l cachedir.Layout, mnt string) (logoffReply, error) {
	if err := unix.Unmount(mnt, unix.MNT_DETACH); err != nil {
		return logoffReply{}, fmt.Errorf("detach dead mount %s: %w", mnt, err)
	}
	o, err := openOffline(l, "", "")
	if err != nil {
		return logoffReply{}, err
	}
	defer o.close()
	res, err := o.sync(context.Background())
	o.layout.UpdateStatus(func(st *cachedir.Status) { st.Loaded = false })
	return logoffReply{Result: &res}, err
}
