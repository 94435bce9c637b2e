package syncer

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"roamfs/internal/entry"
)

// copySource is a HiveSource over the cache with overlay.Profile.SnapshotHive's
// contract: a copy of the hive that keeps its mode (entry.ModeBits) and mtime.
type copySource struct{ dir string }

func (c copySource) SnapshotHive(rel, dst string, _ time.Duration) (int64, time.Time, error) {
	src := filepath.Join(c.dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(src)
	if err != nil {
		return 0, time.Time{}, err
	}
	data, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, data, 0o600)
	}
	if err == nil {
		err = os.Chmod(dst, fi.Mode()&entry.ModeBits)
	}
	if err == nil {
		err = os.Chtimes(dst, fi.ModTime(), fi.ModTime())
	}
	return fi.Size(), fi.ModTime(), err
}

// TestHiveUploadKeepsSpecialBits: both hive uploads, the background one and
// the one at logoff, send setuid, setgid and sticky as every other upload
// does (they used to send the permission bits only).
func TestHiveUploadKeepsSpecialBits(t *testing.T) {
	want := 0o640 | fs.ModeSetuid | fs.ModeSticky
	if os.Geteuid() == 0 {
		want |= fs.ModeSetgid // only root may set it for any group
	}
	for _, background := range []bool{true, false} {
		server := filepath.Join(t.TempDir(), "server")
		m := newMachine(t, "A", server, nil)
		m.logon()
		m.write("NTUSER.DAT", "hive, version 2")
		hive := filepath.Join(m.dir, "NTUSER.DAT")
		if err := os.Chmod(hive, want); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Hour) // newer than the default profile's hive
		if err := os.Chtimes(hive, later, later); err != nil {
			t.Fatal(err)
		}
		if background {
			res, err := m.sy.UploadHives(context.Background(), copySource{m.dir}, t.TempDir())
			if err != nil || len(res.Uploaded) != 1 {
				t.Fatalf("background upload: %+v, %v", res, err)
			}
		} else {
			m.logoff()
		}
		fi, err := os.Lstat(filepath.Join(server, "NTUSER.DAT"))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & entry.ModeBits; got != want {
			t.Errorf("background %v: the server's hive has mode %v, want %v", background, got, want)
		}
		b, ok, err := m.j.Base("ntuser.dat")
		if err != nil || !ok || b.Mode != entry.ToPOSIX(want) {
			t.Errorf("background %v: base %+v (%v, %v), want mode %#o", background, b, ok, err, entry.ToPOSIX(want))
		}
	}
}
