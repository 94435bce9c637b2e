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
	// An unknown command is a usage error (exit 2) like an unknown flag:
	// with Args set, cobra hands the words to it instead of failing itself.
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Errorf("unknown command %q for %q\nsee '%s --help'", args[0], c.CommandPath(), c.CommandPath())}
		}
		return nil
	}
	root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	root.Version = readBuildInfo().String()
	// --version without a shorthand: -v is --verbose.
	root.Flags().Bool("version", false, "print the version and exit")
	pf := root.PersistentFlags()
	pf.StringVar(&logOpts.level, "log-level", "", "log level of the cache's log file: debug, info (default), warn, error")
	pf.BoolVarP(&logOpts.verbose, "verbose", "v", false, "also show log entries on the terminal (console format)")
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
	})
	root.AddCommand(newLogonCmd(), newLogoffCmd(), newJournalCmd(), newStatusCmd(), newSyncCmd(), newHiveCmd(), newPolicyCmd(), newEventsCmd(), newServiceCmd(), newVersionCmd(), newConflictsCmd(), newPamCmd())
	root.AddCommand(newDocsCmd(root))
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
