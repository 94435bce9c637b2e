//go:build !windows

package session

import (
	"os"
	"testing"

	"roamfs/cachedir"
)

// TestCacheOwner: a sync without the session gives what it brings into the
// cache to whoever the profile folder belongs to (logon --user gave it to
// them), and to nobody else when that is this process.
func TestCacheOwner(t *testing.T) {
	l, err := cachedir.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if o := cacheOwner(l); o != nil {
		t.Errorf("cache without a profile folder: owner %+v, want none", o)
	}
	if err := l.Create(); err != nil {
		t.Fatal(err)
	}
	if o := cacheOwner(l); o != nil {
		t.Errorf("profile folder of this process's user: owner %+v, want none", o)
	}
	if os.Geteuid() != 0 {
		t.Skip("giving the profile folder to another user needs root")
	}
	if err := os.Chown(l.Profile(), 65534, 65533); err != nil {
		t.Fatal(err)
	}
	if o := cacheOwner(l); o == nil || o.UID != 65534 || o.GID != 65533 {
		t.Errorf("profile folder of 65534:65533: owner %+v", o)
	}
}
