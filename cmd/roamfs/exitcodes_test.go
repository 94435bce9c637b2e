package main

import (
	"errors"
	"fmt"
	"testing"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/session"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"none", nil, ExitOK},
		{"usage", usageError{errors.New("x")}, ExitUsage},
		{"policy", fmt.Errorf("logon: %w", &policy.Error{}), ExitUsage},
		{"coded", codedError{ExitRefused, errors.New("x")}, ExitRefused},
		{"logoff refused", &session.LogoffError{Outcome: session.Refused}, ExitRefused},
		{"logoff refused, wrapped", fmt.Errorf("logoff: %w", &session.LogoffError{Outcome: session.Refused}), ExitRefused},
		{"logoff failed", &session.LogoffError{Outcome: session.Failed}, ExitFailure},
		{"journal locked", journal.ErrLocked, ExitFailure},
		{"anything else", errors.New("x"), ExitFailure},
	}
	for _, c := range cases {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
}

// TestOutcomeValues: a session's outcome crosses the control socket as a
// number equal to its exit code, so that a `roamfs logoff` and a daemon of
// different versions agree; these must not drift apart.
func TestOutcomeValues(t *testing.T) {
	for o, code := range map[session.Outcome]int{session.Synced: ExitOK, session.Failed: ExitFailure, session.Refused: ExitRefused} {
		if int(o) != code {
			t.Errorf("outcome %d travels as %d over the control socket; its exit code is %d", o, int(o), code)
		}
	}
}
