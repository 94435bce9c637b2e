package session

import (
	"os"
	"runtime/debug"
)

// logonGCPercent is the collector's target while the daemon holds a table of
// every path it merges: the logon merge (about 40 MB live with a 100,000-file
// profile) and a logoff's plan and sync (after `make stress`, 100,000s of
// distinct pending paths), each allocating several times that. At the
// daemon's GOGC of 50 (cmd/roamfs/gc.go) the heap then grows to 1.5× the
// table, and the runtime keeps what it grew to for a while after: the daemon
// peaked at 102 MB after a 100k re-logon and at 146 MB in `make stress`'s
// logoff, with a live heap of half that. Collecting at 20% growth for those
// phases alone costs some collector CPU then and nothing the rest of the
// session.
const logonGCPercent = 20

// tightenGC lowers the collector's target for a merge and returns
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
