//go:build windows

package cgofuse

// keepHostFlags: WinFsp's open flags are MSVCRT's; only the ones
// translateFlags names mean anything to Go.
const keepHostFlags = false
