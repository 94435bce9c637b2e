package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"roamfs/policy"
)

// printPolicyJSON writes the settings as JSON lines, as `journal --json` does.
func printPolicyJSON(w io.Writer, settings []policy.Setting) error {
	enc := json.NewEncoder(w)
	for _, s := range settings {
		origin := "default"
		if s.Set {
			origin = "set"
		}
		row := struct {
			Key    string `json:"key"`
			Origin string `json:"origin"`
			Value  string `json:"value"`
		}{s.Key, origin, s.Value}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	return nil
}

func newPolicyCmd() *cobra.Command {
	p := &cobra.Command{Use: "policy", Short: "Policy settings (Group Policy value names)"}
	var file string
	var asJSON bool
	show := &cobra.Command{
		Use:   "show [--policy FILE] [--json]",
		Short: "Print the effective settings, each marked default or set",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			pol, err := loadPolicy(file, "")
			if err != nil {
				return usageError{err}
			}
			if asJSON {
				return printPolicyJSON(c.OutOrStdout(), pol.Settings())
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
	show.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per setting (keys key origin value)")
	p.AddCommand(show)
	return p
}
