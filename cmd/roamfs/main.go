// Command roamfs mounts a Windows-style roaming user profile at logon, journals
// every change made through the mount, and merges the changes back into the
// server copy at logoff.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"roamfs/cachedir"
)

func main() {
	root := newRootCmd()
	err := root.Execute()
	if err != nil {
		fmt.Fprintf(os.Stderr, "roamfs: %v\n", err)
	}
	os.Exit(exitCode(err))
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "roamfs",
		Short:         "Windows roaming user profiles as a journaled virtual filesystem",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
	})
	root.AddCommand(newLogonCmd(), newLogoffCmd(), newJournalCmd(), newStatusCmd(), newSyncCmd(), newHiveCmd(), newPolicyCmd(), newEventsCmd(), newServiceCmd(), newPamCmd())
	return root
}

// exactArgs is cobra.ExactArgs with a usage error, so a missing mount point
// exits 2 like any other command-line mistake.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s: expected %s, got %d arguments", c.CommandPath(), what, len(args))}
		}
		return nil
	}
}

// cacheFlag checks the --cache every inspection command needs.
func cacheFlag(dir string) (cachedir.Layout, error) {
	if dir == "" {
		return cachedir.Layout{}, usageError{fmt.Errorf("--cache DIR is required")}
	}
	l, err := cachedir.New(dir)
	if err != nil {
		return l, usageError{err}
	}
	return l, nil
}
