package overlay

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"roamfs/internal/entry"
)

// The snapshot keeps the hive's whole roaming mode: the background upload
// sends it, as a logoff sends the cache file's.
func TestSnapshotHiveKeepsMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps no setuid or sticky bits")
	}
	p, _, dir := newTestProfile(t)
	put(t, dir, "NTUSER.DAT", "hive")
	want := 0o640 | fs.ModeSetuid | fs.ModeSticky
	must(t, os.Chmod(filepath.Join(dir, "NTUSER.DAT"), want))
	dst := filepath.Join(t.TempDir(), "copy")
	_, _, err := p.SnapshotHive("NTUSER.DAT", dst, time.Second)
	must(t, err)
	fi, err := os.Lstat(dst)
	must(t, err)
	if got := fi.Mode() & entry.ModeBits; got != want {
		t.Errorf("snapshot mode %v, want %v", got, want)
	}
}
