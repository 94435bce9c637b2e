package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newPolicyCmd() *cobra.Command {
	p := &cobra.Command{Use: "policy", Short: "Policy settings (Group Policy value names)"}
	var file string
	show := &cobra.Command{
		Use:   "show [--policy FILE]",
		Short: "Print the effective settings, each marked default or set",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			pol, err := loadPolicy(file, "")
			if err != nil {
				return usageError{err}
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tORIGIN\tVALUE")
			for _, s := range pol.Settings() {
				origin := "default"
				if s.Set {
					origin = "set"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, origin, s.Value)
			}
			return tw.Flush()
		},
	}
	show.Flags().StringVar(&file, "policy", "", "YAML policy file (default: only the defaults)")
	p.AddCommand(show)
	return p
}
