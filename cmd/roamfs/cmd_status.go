package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/journal"
	"roamfs/session"
	"roamfs/syncer"
)

func newStatusCmd() *cobra.Command {
	var cache string
	var asJSON bool
	c := &cobra.Command{
		Use:   "status [--json] --cache DIR",
		Short: "Show the profile as Windows' Win32_UserProfile does, with pending changes",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := cacheFlag(cache)
			if err != nil {
				return err
			}
			st, err := readStatus(l)
			if err != nil {
				return err
			}
			// A session whose daemon died without logging off: the
			// status is printed, and the exit code says it needs care.
			health := sessionHealth(l, st)
			if asJSON {
				if err := json.NewEncoder(c.OutOrStdout()).Encode(st); err != nil {
					return err
				}
			} else {
				printStatus(c.OutOrStdout(), st)
			}
			if health != nil {
				return codedError{ExitFailure, health}
			}
			return nil
		},
	}
	c.Flags().StringVar(&cache, "cache", "", "local cache directory")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func readStatus(l cachedir.Layout) (cachedir.Status, error) {
	if !l.Exists() {
		return cachedir.Status{}, usageError{fmt.Errorf("%s is not a roamfs cache (no state directory)", l.Dir)}
	}
	if st, err := session.Ask(l, (*session.Client).Status); !errors.Is(err, session.ErrNoSession) {
		return st, err
	}
	st, err := l.ReadStatus()
	if err != nil {
		return st, err
	}
	// No daemon answers: whatever the file says, nothing is loaded.
	st.Loaded = false
	j, err := journal.Open(l.Journal(), journal.Options{})
	if err != nil {
		return st, session.ExplainLocked(l, err)
	}
	defer j.Close()
	st.PendingChanges = j.PendingCount()
	if files, bytes, err := j.CountUnfetched(); err == nil {
		// and what lies below the folders not yet materialized
		err = j.EachUnmaterialized(func(_ string, u journal.Unmaterialized) error {
			files, bytes = files+int(u.Files), bytes+u.Bytes
			return nil
		})
		if err == nil {
			st.FilesPending, st.BytesPending = &files, &bytes
		}
	}
	return st, nil
}

func printStatus(w io.Writer, st cachedir.Status) {
	t := func(p *time.Time) string {
		if p == nil {
			return "never"
		}
		return p.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "LocalPath:         %s\n", st.LocalPath)
	fmt.Fprintf(w, "RoamingPath:       %s\n", st.RoamingPath)
	fmt.Fprintf(w, "Loaded:            %v\n", st.Loaded)
	fmt.Fprintf(w, "Status:            %d (%s)\n", st.Status, statusWords(st.Status))
	if st.NotRoamingReason != "" {
		fmt.Fprintf(w, "NotRoaming:        %s\n", st.NotRoamingReason)
	}
	fmt.Fprintf(w, "LastUseTime:       %s\n", t(st.LastUseTime))
	fmt.Fprintf(w, "LastDownloadTime:  %s\n", t(st.LastDownloadTime))
	fmt.Fprintf(w, "LastUploadTime:    %s\n", t(st.LastUploadTime))
	fmt.Fprintf(w, "LastBackgroundRegistryUploadTime: %s\n", t(st.LastBackgroundRegistryUploadTime))
	if st.LastWriteBackTime != nil || len(st.LastWriteBackResult) > 0 {
		fmt.Fprintf(w, "LastWriteBackTime: %s\n", t(st.LastWriteBackTime))
		fmt.Fprintf(w, "LastWriteBack:     %s\n", writeBackWords(st.LastWriteBackResult))
	}
	fmt.Fprintf(w, "PendingChanges:    %d\n", st.PendingChanges)
	if st.FilesPending != nil {
		fmt.Fprintf(w, "FilesPending:      %d\n", *st.FilesPending)
	}
	if st.BytesPending != nil {
		fmt.Fprintf(w, "BytesPending:      %d\n", *st.BytesPending)
	}
	if f := st.Fill; f != nil {
		fmt.Fprintf(w, "Fill:              running: %d/%d files, %s/%s\n", f.FilesDone, f.FilesTotal,
			humanize.IBytes(uint64(f.BytesDone)), humanize.IBytes(uint64(f.BytesTotal)))
	}
	if st.ProfileSizeKB != nil {
		limit := "no limit"
		if st.MaxProfileSizeKB != nil {
			limit = fmt.Sprintf("limit %d KB", *st.MaxProfileSizeKB)
		}
		fmt.Fprintf(w, "ProfileSize:       %d KB (%s)\n", *st.ProfileSizeKB, limit)
	}
	var r syncer.Result
	if len(st.LastSyncResult) == 0 || json.Unmarshal(st.LastSyncResult, &r) != nil || r.Time.IsZero() {
		fmt.Fprintf(w, "LastSyncResult:    none\n")
		return
	}
	outcome := "ok"
	if !r.OK {
		outcome = "FAILED: " + r.Error
	}
	fmt.Fprintf(w, "LastSyncResult:    %s at %s: %d uploaded, %d deleted, %d kept, %d conflicts\n",
		outcome, r.Time.Format(time.RFC3339), r.Uploaded, r.Deleted, r.Kept, r.Conflicts)
}

// writeBackWords sums up the last write-back round (session.RoundResult).
func writeBackWords(raw json.RawMessage) string {
	var r session.RoundResult
	if len(raw) == 0 || json.Unmarshal(raw, &r) != nil {
		return "none"
	}
	switch {
	case r.Skipped != "":
		return fmt.Sprintf("skipped at %s: %s", r.Time.Format(time.RFC3339), r.Skipped)
	case !r.OK:
		return fmt.Sprintf("FAILED at %s: %s", r.Time.Format(time.RFC3339), r.Error)
	}
	return fmt.Sprintf("ok at %s: %d uploaded, %d deleted, %d kept, %d conflicts, %d left open; %d merged from the server",
		r.Time.Format(time.RFC3339), r.Uploaded, r.Deleted, r.Kept, r.Conflicts, len(r.Busy), r.Pull.Changed())
}
