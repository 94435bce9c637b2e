package main

import (
	"errors"

	"github.com/spf13/cobra"
)

const defaultLoginConfig = ""

var errPamLinuxOnly = usageError{errors.New("roamfs pam is for Linux logins; on Windows the logon service (roamfs service install) does its work")}

func pamHook(*cobra.Command, string) error          { return errPamLinuxOnly }
func pamServe(*cobra.Command, string, string) error { return errPamLinuxOnly }
