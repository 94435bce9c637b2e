package session

import "roamfs/syncer"

// Outcome is how a logoff ended. It travels over the control socket (JSON
// "code"), and its values are those of the exit codes cmd/roamfs maps them
// to, so that a `roamfs logoff` and a daemon of different versions (roamfs
// upgraded during a session) still agree.
type Outcome int

const (
	Synced  Outcome = 0 // the server holds every change
	Failed  Outcome = 1 // nothing lost: the journal keeps what was not synced
	Refused Outcome = 3 // refused before anything was synced (over the size limit); the mount stays
)

// Reply is the outcome of a logoff, as the session sends it to `roamfs logoff`.
type Reply struct {
	Result *syncer.Result      `json:"result,omitempty"`
	Quota  *syncer.QuotaReport `json:"quota,omitempty"` // a logoff refused for size
	Error  string              `json:"error,omitempty"`
	Code   Outcome             `json:"code"`
}

// Err is the reply as an error: nil for a logoff that synced.
func (r Reply) Err() error {
	if r.Code == Synced {
		return nil
	}
	return &LogoffError{Outcome: r.Code, Msg: r.Error}
}

// LogoffError is a logoff that did not sync, with its outcome.
type LogoffError struct {
	Outcome Outcome
	Msg     string
}

func (e *LogoffError) Error() string { return e.Msg }

func failed(msg string) Reply { return Reply{Code: Failed, Error: msg} }
