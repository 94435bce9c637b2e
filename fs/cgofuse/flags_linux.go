//go:build linux && fuse3 && cgo

package cgofuse

// keepHostFlags: libfuse's open flags are the kernel's, as Go's os.O_* are,
// so the ones translateFlags does not name pass through unchanged.
const keepHostFlags = true
