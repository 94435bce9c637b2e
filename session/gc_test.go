package session

import (
	"runtime/debug"
	"testing"
)

// TestTightenGC: the logon's target applies while it runs and the one before
// it comes back; a lower target already set is kept.
func TestTightenGC(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(50)
	defer debug.SetGCPercent(prev)
	restore := tightenGC()
	if got := debug.SetGCPercent(logonGCPercent); got != logonGCPercent {
		t.Errorf("during the logon GOGC = %d, want %d", got, logonGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(10); got != 50 {
		t.Errorf("after the logon GOGC = %d, want 50 back", got)
	}
	restore = tightenGC()
	if got := debug.SetGCPercent(10); got != 10 {
		t.Errorf("a lower target was changed to %d", got)
	}
	restore()
}
