package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"roamfs/cachedir"
	"roamfs/journal"
)

func newJournalCmd() *cobra.Command {
	var cache string
	var asJSON, all bool
	c := &cobra.Command{
		Use:   "journal [--json] [--all] --cache DIR",
		Short: "Show the change journal: pending entries, or the whole history",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := cacheFlag(cache)
			if err != nil {
				return err
			}
			entries, err := readJournal(l, all)
			if err != nil {
				return err
			}
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
	return c
}

// readJournal asks the running session, or reads the journal itself when no
// session runs on this cache.
func readJournal(l cachedir.Layout, all bool) ([]journalEntry, error) {
	if !l.Exists() {
		return nil, usageError{fmt.Errorf("%s is not a roamfs cache (no state directory)", l.Dir)}
	}
	var lines io.Reader
	q := "/journal"
	if all {
		q += "?all=1"
	}
	if body, err := query(l, "GET", q); err == nil {
		defer body.Close()
		lines = body
	} else if !errors.Is(err, errNoDaemon) {
		return nil, err
	} else {
		j, err := journal.Open(l.Journal(), journal.Options{})
		if err != nil {
			return nil, explainLocked(l, err)
		}
		defer j.Close()
		var b strings.Builder
		if err := writeJournalJSON(&b, j, all); err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		lines = strings.NewReader(b.String())
	}
	var out []journalEntry
	sc := bufio.NewScanner(lines)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var e struct {
			journalEntry
			Error string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		if e.Error != "" {
			return nil, fmt.Errorf("read journal: %s", e.Error)
		}
		out = append(out, e.journalEntry)
	}
	return out, sc.Err()
}

func printJournalTable(w io.Writer, entries []journalEntry) {
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", e.Seq, e.Time, sess, e.Op, p, e.Size, synced)
	}
	tw.Flush()
	if len(entries) == 0 {
		fmt.Fprintln(w, "(no entries)")
	}
}
