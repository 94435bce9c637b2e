package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"roamfs/session"
)

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
