package main

import (
	"errors"
	"io"
)

var errServiceWindowsOnly = usageError{errors.New(
	"roamfs service is the Windows logon service; on Linux have the login manager run `roamfs logon` and `roamfs logoff` (for example pam_exec)")}

func serviceInstall(io.Writer) error   { return errServiceWindowsOnly }
func serviceUninstall(io.Writer) error { return errServiceWindowsOnly }
func serviceRun() error                { return errServiceWindowsOnly }
