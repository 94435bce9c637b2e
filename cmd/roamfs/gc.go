package main

import (
	"os"
	"runtime/debug"
)

// daemonGCPercent is the daemon's GOGC. The daemon lives for a whole session
// beside the user's programs, so it trades a little collector CPU for a heap
// that grows to 1.5× what it holds rather than Go's 2×. Its live heap is
// small (under 20 MB mounted with a 100,000-file profile and through 300,000
// journaled operations, measured: go-fuse's buffers, badger's memtables and
// table builders), so the collector runs rarely either way.
//
// There is no soft memory limit: a limit below the live heap makes the
// collector run without pause (the daemon once spent most of a long logoff
// collecting under a 64 MiB limit), and one above it adds nothing GOGC does
// not already give. GOGC and GOMEMLIMIT in the environment still apply.
const daemonGCPercent = 50

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(daemonGCPercent)
	}
}
