package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/journal"
	"roamfs/session"
)

func newJournalCmd() *cobra.Command {
	var cache string
	var asJSON, all bool
	var filter journalFilter
	c := &cobra.Command{
		Use:   "journal [--json] [--all] [--path PREFIX] [--since TIME] [--session ID] [--op OP] [--limit N] --cache DIR",
		Short: "Show the change journal: pending entries, or the whole history",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := cacheFlag(cache)
			if err != nil {
				return err
			}
			if err := filter.parse(); err != nil {
				return err
			}
			entries, err := readJournal(l, all)
			if err != nil {
				return err
			}
			entries = filter.apply(entries)
			if asJSON {
				enc := json.NewEncoder(c.OutOrStdout())
				for _, e := range entries {
					enc.Encode(e)
				}
				return nil
			}
			printJournalTable(c.OutOrStdout(), entries)
			return nil
		},
	}
	c.Flags().StringVar(&cache, "cache", "", "local cache directory")
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object a line")
	c.Flags().BoolVar(&all, "all", false, "include the synced history")
	filter.flags(c)
	return c
}

// readJournal asks the running session, or reads the journal itself when no
// session runs on this cache.
func readJournal(l cachedir.Layout, all bool) ([]session.JournalEntry, error) {
	if !l.Exists() {
		return nil, usageError{fmt.Errorf("%s is not a roamfs cache (no state directory)", l.Dir)}
	}
	entries, err := session.Ask(l, func(c *session.Client) ([]session.JournalEntry, error) { return c.Journal(all) })
	if !errors.Is(err, session.ErrNoSession) {
		return entries, err
	}
	j, err := journal.Open(l.Journal(), journal.Options{})
	if err != nil {
		return nil, session.ExplainLocked(l, err)
	}
	defer j.Close()
	return session.JournalEntries(j, all)
}

func printJournalTable(w io.Writer, entries []session.JournalEntry) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tSESSION\tOP\tPATH\tSIZE\tSYNCED")
	for _, e := range entries {
		p := e.Path
		if e.OldPath != "" {
			p = e.OldPath + " -> " + e.Path
		}
		sess := e.Session
		if len(sess) > 8 {
			sess = sess[:8]
		}
		synced := "no"
		if e.Synced {
			synced = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, humanTime(e.Time), sess, e.Op, p, humanize.IBytes(uint64(max(e.Size, 0))), synced)
	}
	tw.Flush()
	if len(entries) == 0 {
		fmt.Fprintln(w, "(no entries)")
	}
}
