package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"roamfs/event"
)

// eventRow is one event as `roamfs events --json` lists it.
type eventRow struct {
	ID      int    `json:"id"`
	Level   string `json:"level"`
	Meaning string `json:"meaning"`
	Source  string `json:"source"` // "windows": Windows' own id and meaning; "roamfs": roamfs' own
}

func newEventsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "events [--json]",
		Short: "List the event ids roamfs logs (field event_id of state/roamfs.log)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			out := c.OutOrStdout()
			enc := json.NewEncoder(out)
			for _, e := range event.All {
				r := eventRow{ID: e.ID, Level: string(e.Level), Meaning: e.Text, Source: "roamfs"}
				if event.Windows(e.ID) {
					r.Source = "windows"
				}
				if asJSON {
					if err := enc.Encode(r); err != nil {
						return err
					}
					continue
				}
				fmt.Fprintf(out, "%5d  %-5s  %-7s  %s\n", r.ID, r.Level, r.Source, r.Meaning)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per event (keys id level meaning source)")
	return c
}
