package wintest

import (
	"testing"

	"golang.org/x/sys/windows"
)

// Wine reports whether this process runs under Wine: its ntdll exports
// wine_get_version, Windows' does not.
func Wine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// RequireWine skips a test that changes machine-wide state (the live
// ProfileList, the Service Control Manager, the network provider order)
// unless it runs under Wine, in scripts/wine-test.sh's throw-away prefix.
func RequireWine(t testing.TB) {
	t.Helper()
	if !Wine() {
		t.Skip("changes this machine's settings: runs under Wine only (scripts/wine-test.sh)")
	}
}
