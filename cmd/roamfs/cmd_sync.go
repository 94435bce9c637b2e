package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/session"
	"roamfs/store/smb"
	"roamfs/syncer"
)

func newSyncCmd() *cobra.Command {
	var cache, server, pol, creds string
	var asJSON, full, force, dryRun bool
	var s3o s3Flags
	c := &cobra.Command{
		Use:   "sync --cache DIR | sync MOUNTPOINT",
		Short: "Replay pending journal entries to the server (a write-back round on a running session)",
		Long: `sync finishes what a crashed session or a failed logoff left: it replays the
cache's unsynced journal entries against the server copy with the logoff rules.
On a cache whose session is running it asks that session for a write-back round
now (the logoff's rules, without unmounting) and waits for it.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 || (len(args) == 1 && cache != "") {
				return usageError{fmt.Errorf("%s: expected --cache DIR or MOUNTPOINT", c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			var l cachedir.Layout
			var err error
			if len(args) == 1 {
				_, l, err = sessionOf(args[0])
			} else {
				l, err = cacheFlag(cache)
			}
			if err != nil {
				return err
			}
			if !full && !dryRun {
				reply, err := session.Ask(l, func(cl *session.Client) (session.Reply, error) { return cl.WriteBack(force) })
				if !errors.Is(err, session.ErrNoSession) {
					if reply.Result == nil {
						reply.Result = &syncer.Result{Error: reply.Error}
					}
					printResult(c, *reply.Result, asJSON)
					return err
				}
			}
			o, err := openOffline(l, offlineFlags{server: server, policy: pol, credentials: creds, s3: s3o}, full)
			if err != nil {
				return err
			}
			defer o.Close()
			sy := o.Syncer()
			var loadTime time.Time
			if st, _ := l.ReadStatus(); st.LastDownloadTime != nil {
				loadTime = *st.LastDownloadTime
			}
			if dryRun {
				d := o.DryRun(context.Background(), session.DryRunCheck{AllowMassDelete: force, Full: full, LoadTime: loadTime})
				return printDryRun(c, d, asJSON)
			}
			sy.AllowMassDelete(force)
			sy.CleanServerTemps(context.Background())
			run := sy.Logoff
			if full {
				run = func(ctx context.Context) (syncer.Result, error) { return sy.Full(ctx, loadTime) }
			}
			stop := watchSyncer(sy, asJSON, os.Stderr)
			res, err := o.Sync(context.Background(), run)
			stop()
			printResult(c, res, asJSON)
			return err
		},
	}
	c.Flags().StringVar(&cache, "cache", "", "local cache directory")
	c.Flags().StringVar(&server, "server", "", "server copy (default: the one the cache last synced with)")
	c.Flags().StringVar(&pol, "policy", "", "YAML policy file (default: the last session's)")
	c.Flags().StringVar(&creds, "credentials", "", "SMB credentials file for an smb:// server (default: the last session's, else "+smb.PasswordEnv+")")
	s3o.add(c)
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	c.Flags().BoolVar(&full, "full", false, "reconcile the whole profile without the journal (Windows 2000 load-time rules)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and exit as the sync would; change nothing")
	c.Flags().BoolVar(&force, "allow-mass-delete", false, "let this sync delete more of the server than MassDeletePercent")
	return c
}

// offlineFlags name the server copy, the policy and the SMB credentials of
// an offline sync; each "" means the last session's.
type offlineFlags struct {
	server, policy, credentials string
	s3                          s3Flags
}

// s3Flags are sync's --s3-endpoint and --s3-path-style; unset, the last
// session's.
type s3Flags struct {
	endpoint  string
	pathStyle bool
}

func (f *s3Flags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.endpoint, "s3-endpoint", "", "for an s3:// server: its URL (default: the last session's, else AWS_ENDPOINT_URL)")
	c.Flags().BoolVar(&f.pathStyle, "s3-path-style", false, "for an s3:// server: path-style addressing (default: the last session's)")
}

// openOffline opens a cache without a mount, for the server copy, the
// policy and the credentials the flags name or, when they are empty, the
// last session's.
func openOffline(l cachedir.Layout, f offlineFlags, full bool) (*session.Offline, error) {
	server, policyFile, creds := f.server, f.policy, f.credentials
	if !l.Exists() {
		return nil, usageError{fmt.Errorf("%s is not a roamfs cache (no state directory)", l.Dir)}
	}
	st, err := l.ReadStatus()
	if err != nil {
		return nil, err
	}
	if server == "" {
		server = st.RoamingPath
	}
	if server == "" {
		return nil, usageError{fmt.Errorf("the cache %s does not say which server copy it belongs to; give --server", l.Dir)}
	}
	if policyFile == "" {
		policyFile = st.PolicyFile
	}
	if creds == "" {
		creds = st.CredentialsFile
	}
	s3o := session.S3Options{Endpoint: f.s3.endpoint, PathStyle: f.s3.pathStyle}
	if s3o.Endpoint == "" && server == st.RoamingPath {
		s3o.Endpoint = st.S3Endpoint
	}
	s3o.PathStyle = s3o.PathStyle || (server == st.RoamingPath && st.S3PathStyle)
	pol, err := loadPolicy(policyFile, "")
	if err != nil {
		return nil, err
	}
	log, err := newFileLogger(l.LogFile(), false)
	if err != nil {
		return nil, err
	}
	return session.OpenOffline(session.OfflineConfig{Layout: l, Server: server, Policy: pol, Log: log, Full: full, Credentials: creds, S3: s3o})
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
	printConflicts(out, res.ConflictList)
}
