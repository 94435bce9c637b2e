package main

import (
	"errors"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/session"
	"roamfs/store"
	"roamfs/store/s3"
)

// Exit codes are a contract with administrators' scripts.
const (
	ExitOK       = 0 // done
	ExitFailure  = 1 // failed; nothing lost: the journal keeps what was not synced
	ExitUsage    = 2 // bad command line or configuration (a wrong SMB password too); nothing was changed
	ExitRefused  = 3 // logoff refused (profile over its size limit); the mount stays
	exitInternal = ExitFailure
)

// usageError is a command-line mistake.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// codedError carries an exit code chosen where the failure is understood, e.g.
// a daemon reporting why it could not mount.
type codedError struct {
	code int
	err  error
}

func (e codedError) Error() string { return e.err.Error() }
func (e codedError) Unwrap() error { return e.err }

// exitCode is the one place errors become exit codes.
func exitCode(err error) int {
	var ue usageError
	var pe *policy.Error
	var ce codedError
	var le *session.LogoffError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &le) && le.Outcome == session.Refused:
		return ExitRefused
	case errors.As(err, &le):
		return ExitFailure
	case errors.As(err, &ue), errors.As(err, &pe),
		errors.Is(err, store.ErrCredentials), errors.Is(err, session.ErrCaseSensitive), errors.Is(err, s3.ErrNoBucket):
		// A wrong password or a policy the server cannot honour is
		// configuration too (outside a logoff, which keeps its exit 1).
		return ExitUsage
	case errors.Is(err, journal.ErrLocked):
		return ExitFailure
	default:
		return exitInternal
	}
}
