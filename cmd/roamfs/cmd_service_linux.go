package main

import (
	"errors"
	"io"
)

var errServiceWindowsOnly = usageError{errors.New(
	"roamfs service is the Windows logon service; on Linux PAM runs `roamfs pam` at session open and close " +
		"(session optional pam_exec.so /usr/local/bin/roamfs pam; " +
		"see README, Linux logins, and contrib/pam/roamfs, contrib/systemd/roamfs@.service)")}

func serviceInstall(io.Writer) error   { return errServiceWindowsOnly }
func serviceUninstall(io.Writer) error { return errServiceWindowsOnly }
func serviceRun() error                { return errServiceWindowsOnly }
func serviceStatus(io.Writer) error    { return errServiceWindowsOnly }
