package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"roamfs/session"
)

// printDryRun prints a dry run's plan (in every case, also when the real
// command would be held or refused), a summary line, and returns the error
// the real command would end with, so the exit code is the same.
func printDryRun(c *cobra.Command, d session.DryRun, asJSON bool) error {
	w := c.OutOrStdout()
	printPlan(w, d.Steps, asJSON)
	if asJSON {
		// The last line: the summary, told apart from the steps by its key.
		json.NewEncoder(w).Encode(struct {
			Summary  map[string]int `json:"summary"`
			Code     int            `json:"code"`
			Error    string         `json:"error,omitempty"`
			ReadOnly string         `json:"read_only,omitempty"`
		}{d.Summary, int(d.Code), d.Error, d.ReadOnly})
	} else {
		fmt.Fprintln(w, summaryLine(d))
	}
	if d.Quota != nil {
		printQuota(c.ErrOrStderr(), d.Quota)
	}
	return d.Err()
}

// summaryLine is "dry run: 3 upload, 1 delete-server; would succeed".
func summaryLine(d session.DryRun) string {
	actions := make([]string, 0, len(d.Summary))
	for a := range d.Summary {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	parts := make([]string, 0, len(actions))
	for _, a := range actions {
		parts = append(parts, fmt.Sprintf("%d %s", d.Summary[a], a))
	}
	counts := "nothing to do"
	if len(parts) > 0 {
		counts = strings.Join(parts, ", ")
	}
	outcome := "would succeed"
	if d.ReadOnly != "" {
		outcome = "would succeed, discarding every change: " + d.ReadOnly + ", nothing is written to the server"
	}
	if d.Code != session.Synced {
		outcome = fmt.Sprintf("would exit %d: %s", d.Code, d.Error)
	}
	return fmt.Sprintf("dry run: %d steps (%s); %s", len(d.Steps), counts, outcome)
}

// printPlan is `roamfs logoff --dry-run`: one JSON object a step, or a table.
func printPlan(w io.Writer, entries []session.PlanEntry, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, e := range entries {
			enc.Encode(e)
		}
		return
	}
	if len(entries) == 0 {
		fmt.Fprintln(w, "nothing to do: no pending changes")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tPATH\tRULE")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Action, e.Path, e.Rule)
	}
	tw.Flush()
}
