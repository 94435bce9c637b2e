package gofuse

import (
	"testing"

	"roamfs/fs/fstest"
	"roamfs/overlay"
)

// TestConformance runs the POSIX conformance suite through a go-fuse mount.
func TestConformance(t *testing.T) {
	fstest.Run(t, func(t *testing.T) (string, *overlay.Profile) {
		p := fstest.NewProfile(t)
		mnt := t.TempDir()
		srv, err := Mount(mnt, p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fstest.Unmount(t, mnt, p, srv.Unmount)
		return mnt, p
	})
}
