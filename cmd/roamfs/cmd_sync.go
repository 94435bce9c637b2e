package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/syncer"
)

func newSyncCmd() *cobra.Command {
	var cache, server, pol string
	var asJSON, full, force bool
	c := &cobra.Command{
		Use:   "sync --cache DIR",
		Short: "Replay pending journal entries to the server without a mount",
		Long: `sync finishes what a crashed session or a failed logoff left: it replays the
cache's unsynced journal entries against the server copy with the logoff rules.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := cacheFlag(cache)
			if err != nil {
				return err
			}
			o, err := openOffline(l, server, pol, full)
			if err != nil {
				return err
			}
			defer o.close()
			o.sy.AllowMassDelete(force)
			o.sy.CleanServerTemps(context.Background())
			run := o.sy.Logoff
			if full {
				st, _ := l.ReadStatus()
				var loadTime time.Time
				if st.LastDownloadTime != nil {
					loadTime = *st.LastDownloadTime
				}
				run = func(ctx context.Context) (syncer.Result, error) { return o.sy.Full(ctx, loadTime) }
			}
			res, err := o.sync(context.Background(), run)
			printResult(c, res, asJSON)
			return err
		},
	}
	c.Flags().StringVar(&cache, "cache", "", "local cache directory")
	c.Flags().StringVar(&server, "server", "", "server copy (default: the one the cache last synced with)")
	c.Flags().StringVar(&pol, "policy", "", "YAML policy file (default: the last session's)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	c.Flags().BoolVar(&full, "full", false, "reconcile the whole profile without the journal (Windows 2000 load-time rules)")
	c.Flags().BoolVar(&force, "allow-mass-delete", false, "let this sync delete more of the server than MassDeletePercent")
	return c
}

// sync replays the journal and records the outcome in the status file.
func (o *offline) sync(ctx context.Context, run func(context.Context) (syncer.Result, error)) (syncer.Result, error) {
	res, err := run(ctx)
	raw, _ := json.Marshal(res)
	uerr := o.layout.UpdateStatus(func(st *cachedir.Status) {
		st.LastSyncResult = raw
		if err == nil {
			st.LastUploadTime = &res.Time
		}
	})
	if err != nil {
		return res, fmt.Errorf("sync failed: %w; every change is still in the journal: run `roamfs sync --cache %s` again", err, o.layout.Dir)
	}
	return res, uerr
}

func printResult(c *cobra.Command, res syncer.Result, asJSON bool) {
	out := c.OutOrStdout()
	if asJSON {
		json.NewEncoder(out).Encode(res)
		return
	}
	if !res.OK {
		return
	}
	if res.Discarded > 0 {
		fmt.Fprintf(out, "read-only or mandatory profile: %d changes discarded, nothing written to the server\n", res.Discarded)
		return
	}
	fmt.Fprintf(out, "synced: %d uploaded, %d deleted on server, %d kept, %d conflicts\n",
		res.Uploaded, res.Deleted, res.Kept, res.Conflicts)
}
