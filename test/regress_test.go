package test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSymlinkReplacesJournaledFolder: a folder with journaled files is renamed
// and a symlink takes its name. The journaled paths below the old name now
// lead through the symlink; the sync must not see them as files to upload
// (it once created the folder again on the server and then failed, or on a
// retry left a folder where the symlink belongs).
func TestSymlinkReplacesJournaledFolder(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	if err := os.Mkdir(m.p("Documents/d"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, m.p("Documents/d/x"), "hi")
	if err := os.Rename(m.p("Documents/d"), m.p("Documents/real")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", m.p("Documents/d")); err != nil {
		t.Fatal(err)
	}
	m.logoff()
	srv := snapshot(t, filepath.Join(m.server, "Documents"), serverSkip)
	requireSameMap(t, "server Documents", shape(srv), map[string]string{
		"d":      "symlink real",
		"real":   "dir",
		"real/x": "file " + sum("hi"),
	})
}

// TestSetattrOnUnlinkedOpenFile: fchmod and futimens on a file that is open
// but no longer has a name apply to that file only. A known bug applies them
// to the profile root instead (and journals a setattr of ""): the node has no
// parent left, its path is "", and "" is the root. Fixed: such a
// request goes through one of the node's open handles.
func TestSetattrOnUnlinkedOpenFile(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	root := filepath.Join(m.cache, "profile") // the cache itself: the mount's attributes may be cached
	before, err := stat(root)
	if err != nil {
		t.Fatal(err)
	}
	write(t, m.p("Documents/open.txt"), "hello")
	f, err := os.OpenFile(m.p("Documents/open.txt"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Remove(m.p("Documents/open.txt")); err != nil {
		t.Fatal(err)
	}
	if err := f.Chmod(0o600); err != nil {
		t.Errorf("fchmod of the unlinked file: %v", err)
	}
	ts := unix.NsecToTimespec(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	if err := unix.UtimesNanoAt(int(f.Fd()), "", []unix.Timespec{ts, ts}, unix.AT_EMPTY_PATH); err != nil {
		t.Logf("futimens of the unlinked file: %v", err)
	}
	if fi, err := f.Stat(); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("fstat of the unlinked file after fchmod 0600: %v, %v", fi.Mode(), err)
	}
	after, err := stat(root)
	if err != nil {
		t.Fatal(err)
	}
	if after.Perm != before.Perm || !after.MTime.Equal(before.MTime) {
		t.Errorf("the profile root changed: mode %04o -> %04o, mtime %s -> %s",
			before.Perm, after.Perm, before.MTime, after.MTime)
	}
	for _, e := range m.journal(false) {
		if e.Path == "" {
			t.Errorf("journal record %d: %s of the empty path", e.Seq, e.Op)
		}
	}
	f.Close()
}

// TestCaseVariantFolderKeepsRoamingData: a later session creates
// appdata/locallow/x (nonroaming, spelled in lower case, so "appdata" is a new
// folder of the case-sensitive cache). The roaming files synced earlier under
// AppData/Roaming must stay on the server. A known bug deletes them: the
// logoff plan expands the journaled "appdata" to every base under the key
// "appdata/" and, not finding those lower-case spellings in the cache, takes
// them as deleted. Fixed: base-only keys
// are looked up in the cache by name identity.
func TestCaseVariantFolderKeepsRoamingData(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("AppData/Roaming/Vendor/settings.ini"), "important")
	m.logoff()

	m.logon()
	write(t, m.p("appdata/locallow/x"), "low integrity")
	m.logoff()
	if got, err := os.ReadFile(filepath.Join(m.server, "AppData/Roaming/Vendor/settings.ini")); err != nil || string(got) != "important" {
		t.Errorf("server AppData/Roaming/Vendor/settings.ini after a session that only wrote appdata/locallow/x: %q, %v", got, err)
	}
}
