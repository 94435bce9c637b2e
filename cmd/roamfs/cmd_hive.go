package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"roamfs/session"
)

func newHiveCmd() *cobra.Command {
	hive := &cobra.Command{Use: "hive", Short: "The registry hive's background stream"}
	var cache string
	up := &cobra.Command{
		Use:   "upload --cache DIR",
		Short: "Ask the running session to upload the hive now, if it changed",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			l, err := cacheFlag(cache)
			if err != nil {
				return err
			}
			cl, err := session.Dial(l)
			if errors.Is(err, session.ErrNoSession) {
				return fmt.Errorf("no session is running on %s: the hive is uploaded at logoff or by `roamfs sync`", l.Dir)
			}
			res, err := cl.UploadHive()
			if err != nil {
				return err
			}
			for _, u := range res.Uploaded {
				fmt.Fprintf(c.OutOrStdout(), "uploaded %s\n", u)
			}
			for _, sk := range res.Skipped {
				fmt.Fprintf(c.OutOrStdout(), "skipped %s\n", sk)
			}
			return nil
		},
	}
	up.Flags().StringVar(&cache, "cache", "", "local cache directory of the running session")
	hive.AddCommand(up)
	return hive
}
