package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A session killed on Windows leaves its entry and no mount point (WinFsp
// removes it with the process): logon may mount there again, logoff still
// finds the cache to sync, and the entry goes once that sync is done.
func TestMountListKilledSession(t *testing.T) {
	ml := mountList{dir: t.TempDir()}
	mnt := filepath.Join(t.TempDir(), "Alice")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := ml.record(mnt, `C:\ProgramData\roamfs\cache\S-1-5-21-1`); err != nil {
		t.Fatal(err)
	}
	if c, ok := ml.live(mnt); !ok || c != `C:\ProgramData\roamfs\cache\S-1-5-21-1` {
		t.Fatalf("live while mounted = %q, %v", c, ok)
	}
	os.Remove(mnt) // the daemon is killed
	if _, ok := ml.live(mnt); ok {
		t.Error("a mount point that is gone is taken for a mount: logon would be refused")
	}
	if _, ok := ml.recorded(mnt); !ok {
		t.Fatal("the killed session's entry was lost: logoff could not sync its cache")
	}
	ml.forget(mnt)
	if _, ok := ml.recorded(mnt); ok {
		t.Error("entry still there after forget")
	}
}

// Mount points compare without case, as NTFS paths do.
func TestMountListIgnoresCase(t *testing.T) {
	ml := mountList{dir: t.TempDir()}
	mnt := filepath.Join(t.TempDir(), "Users", "Alice")
	if err := ml.record(mnt, "cache"); err != nil {
		t.Fatal(err)
	}
	if _, ok := ml.recorded(strings.ToUpper(mnt) + string(filepath.Separator)); !ok {
		t.Error("entry not found under another spelling of the mount point")
	}
	if _, ok := ml.recorded(filepath.Join(filepath.Dir(mnt), "Bob")); ok {
		t.Error("another mount point finds Alice's entry")
	}
}
