package session

import (
	"os"
	"runtime/debug"
	"sync"
)

// logonGCPercent is the collector's target during the logon merge. The merge
// holds a table of every path of the profile (about 40 MB live with 100,000
// files) while it allocates several times that; at the daemon's GOGC of 50
// (cmd/roamfs/gc.go) the heap grows to 1.5× the table, and the daemon
// peaked at 102 MB after a 100,000-file re-logon. The check of the server
// after the mount (VerifyAgainstServer) holds a map of the whole server copy
// and runs under the same target. Collecting at 20% growth
// for the merge alone costs some collector CPU then and nothing the rest of
// the session. (Tried for the logoff too: `make stress`'s logoff of 236,000
// records peaked at 155 MB either way, its peak being a burst of the plan's
// path strings and badger's mapped tables, not the heap's growth target.)
const logonGCPercent = 20

// tightenGC lowers the collector's target for a phase that holds a table of
// every path (the logon merge, the check of the server after the mount) and
// returns what puts it back. Phases may overlap: the target goes back when
// the last one ends. GOGC in the environment, or a lower target already set,
// is left alone.
func tightenGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcMu.Lock()
	defer gcMu.Unlock()
	if gcDepth == 0 {
		gcSaved = debug.SetGCPercent(logonGCPercent)
		if gcSaved < logonGCPercent && gcSaved >= 0 {
			debug.SetGCPercent(gcSaved)
		}
	}
	gcDepth++
	var once sync.Once
	return func() {
		once.Do(func() {
			gcMu.Lock()
			defer gcMu.Unlock()
			if gcDepth--; gcDepth == 0 {
				debug.SetGCPercent(gcSaved)
			}
		})
	}
}

var (
	gcMu    sync.Mutex
	gcDepth int // phases under way
	gcSaved int // the target before the first of them
)
