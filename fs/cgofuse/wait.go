//go:build windows || (linux && fuse3 && cgo)

package cgofuse

// Wait returns when the host has stopped serving: an unmount from here, from
// Explorer, or the WinFsp launcher going away.
func (h *Host) Wait() { <-h.done }
