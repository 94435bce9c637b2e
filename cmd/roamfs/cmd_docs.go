package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newDocsCmd writes the manual pages, generated from the commands
// themselves so they cannot drift from --help: `make install` calls it.
func newDocsCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:    "docs DIR",
		Short:  "Write the man pages (roamfs.1, roamfs-logon.1, …) into DIR",
		Hidden: true,
		Args:   exactArgs(1, "DIR"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			hdr := &doc.GenManHeader{Title: "ROAMFS", Section: "1", Source: "roamfs " + readBuildInfo().Version, Manual: "roamfs manual"}
			root.DisableAutoGenTag = true
			if err := doc.GenManTree(root, hdr, args[0]); err != nil {
				return fmt.Errorf("man pages: %w", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "man pages written to %s\n", args[0])
			return nil
		},
	}
}
