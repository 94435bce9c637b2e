//go:build linux && fuse3 && cgo

package cgofuse

import (
	"testing"

	"roamfs/fs/fstest"
	"roamfs/overlay"
)

// TestConformance runs the POSIX conformance suite through libfuse 3, the
// same adapter code that WinFsp runs on Windows, over the overlay backend this
// build has (overlayCaps says what it can do).
func TestConformance(t *testing.T) {
	fstest.RunCaps(t, overlayCaps, func(t *testing.T) (string, *overlay.Profile) {
		p := fstest.NewProfile(t)
		mnt := t.TempDir()
		h, err := Mount(mnt, p, Options{FsName: p.Root()})
		if err != nil {
			t.Fatal(err)
		}
		fstest.Unmount(t, mnt, p, h.Unmount)
		return mnt, p
	})
}
