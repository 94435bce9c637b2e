package session

import (
	"os"
	"runtime/debug"
)

// logonGCPercent is the collector's target during the logon merge. The merge
// holds a table of every path of the profile (about 40 MB live with 100,000
// files) while it allocates several times that; at the daemon's GOGC of 50
// (cmd/roamfs/gc.go) the heap then peaks at 1.5× the table and the daemon's
// RSS just over 100 MB. Collecting at 20% growth for the merge alone keeps
// it under, for some collector CPU during the logon only; the session runs
// at the daemon's own setting again once the merge is done.
const logonGCPercent = 20

// tightenGC lowers the collector's target for the logon merge and returns
// what puts it back. GOGC in the environment, or a lower target already
// set, is left alone.
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
