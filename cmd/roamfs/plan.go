package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"roamfs/syncer"
)

// planEntry is one line of `roamfs logoff --dry-run --json`.
type planEntry struct {
	Path   string `json:"path"`
	Intent string `json:"intent"`
	Action string `json:"action"`
	Rule   string `json:"rule"`
}

func planEntries(p *syncer.Plan) []planEntry {
	out := make([]planEntry, 0, len(p.Steps))
	for _, st := range p.Steps {
		out = append(out, planEntry{Path: st.Path, Intent: st.Intent.String(), Action: st.Action.String(), Rule: st.Rule})
	}
	return out
}

func printPlan(w io.Writer, entries []planEntry, asJSON bool) {
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
