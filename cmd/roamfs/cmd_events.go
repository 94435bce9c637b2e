package main

import (
	"fmt"

	"roamfs/event"

	"github.com/spf13/cobra"
)

func newEventsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "events",
		Short: "List the event ids roamfs logs (field event_id of state/roamfs.log)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			for _, e := range event.All {
				fmt.Fprintf(c.OutOrStdout(), "%5d  %s\n", e.ID, e.Text)
			}
			return nil
		},
	}
}
