package session

import (
	"os"
	"runtime/debug"
)

// logonGCPercent is the collector's target during the logon merge. The merge
// holds a table of every path of the profile (about 40 MB live with 100,000
// files) while it allocates several times that; at the daemon's GOGC of 50
// (cmd/roamfs/gc.go) the heap grows to 1.5× the table, and the daemon
// peaked at 102 MB after a 100,000-file re-logon. Collecting at 20% growth
// for the merge alone costs some collector CPU then and nothing the rest of
// the session. (Tried for the logoff and for the check of the server after
// the mount too, and taken out again: the peaks of `make stress`'s logoff
// and of a 100k session stayed the same, 155 and 116 MB.)
const logonGCPercent = 20

// tightenGC lowers the collector's target for the logon merge and returns
// what puts it back. GOGC in the environment, or a lower target already
// set, is left alone. Only the logon calls it, once per session.
func tightenGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(logonGCPercent)
	if old < logonGCPercent && old >= 0 {
		debug.SetGCPercent(old)
		return func() {}
	}
	return func() { debug.SetGCPercent(old) }
}
