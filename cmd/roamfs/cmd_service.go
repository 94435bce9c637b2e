package main

import (
	"github.com/spf13/cobra"
)

// newServiceCmd is the Windows logon service: install registers it with the
// Service Control Manager (and the Event Log source), run is what the SCM
// starts, uninstall removes what install registered, status says what is
// there. On Linux a login manager runs logon and logoff instead (pam_exec,
// a systemd user unit), so these refuse there.
func newServiceCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "service install|uninstall|status|run",
		Short: "The Windows logon service: mount each user's roaming profile at logon, sync it at logoff",
	}
	c.AddCommand(
		&cobra.Command{Use: "install", Short: "Register the service (automatic start) and the roamfs Event Log source",
			Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error { return serviceInstall(c.OutOrStdout()) }},
		&cobra.Command{Use: "uninstall", Short: "Stop and remove the service and the Event Log source",
			Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error { return serviceUninstall(c.OutOrStdout()) }},
		&cobra.Command{Use: "status", Short: "Say what install put in place (service, event source, network provider) and whether WinFsp is installed",
			Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error { return serviceStatus(c.OutOrStdout()) }},
		&cobra.Command{Use: "run", Short: "Serve the Service Control Manager (started by Windows, not by hand)",
			Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error { return serviceRun() }},
	)
	return c
}
