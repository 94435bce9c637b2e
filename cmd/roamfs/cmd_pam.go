package main

import (
	"github.com/spf13/cobra"
)

// newPamCmd is roamfs for Linux logins: `roamfs pam` is the PAM session hook
// pam_exec runs at session open and close; `roamfs pam serve USER` is what
// the roamfs@.service unit runs (the session daemon, with systemd's
// readiness notice once the profile is mounted).
func newPamCmd() *cobra.Command {
	var config string
	c := &cobra.Command{
		Use:   "pam [--config FILE]",
		Short: "The PAM session hook (pam_exec): mount the roaming profile at a user's first session, sync it at the last",
		Long: `pam is run by pam_exec.so for a session's open and close, from a PAM
configuration line such as

  session optional pam_exec.so /usr/local/bin/roamfs pam

It reads PAM_TYPE and PAM_USER, the machine's configuration (ServerPathTemplate,
MountPoint, CacheRoot, PolicyFile) and counts each user's sessions: the first
one logs the profile on (under systemd in the unit roamfs@USER.service), the
last one to close logs it off. It exits non-zero when the logon fails: with
"optional" the login goes on without the profile, with "required" it is refused.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return pamHook(c, config) },
	}
	c.PersistentFlags().StringVar(&config, "config", defaultLoginConfig, "the machine's login configuration (YAML; roamfs@.service reads the default)")
	c.AddCommand(&cobra.Command{
		Use:   "serve USER",
		Short: "Serve USER's profile in the foreground with systemd's readiness notice (roamfs@.service's ExecStart)",
		Args:  exactArgs(1, "USER"),
		RunE:  func(c *cobra.Command, args []string) error { return pamServe(c, config, args[0]) },
	})
	return c
}
