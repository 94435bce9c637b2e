package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestUmountTriggersSync: a plain umount does what logoff does: the daemon
// notices, replays the journal to the server and exits.
func TestUmountTriggersSync(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	pid := m.status().PID
	if pid != m.pid {
		t.Errorf("status PID %d, logon said the daemon is %d", pid, m.pid)
	}
	write(t, m.p("Documents/letter.txt"), "Dear Sir")
	write(t, m.p("Desktop/gone.txt"), "short-lived")
	if err := os.Remove(m.p("Desktop/gone.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(m.p("Music/Playlists"), 0o755); err != nil {
		t.Fatal(err)
	}
	if st := m.status(); !st.Loaded || st.PendingChanges == 0 {
		t.Fatalf("before umount: Loaded=%v PendingChanges=%d", st.Loaded, st.PendingChanges)
	}

	if out, err := exec.Command("umount", m.mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount %s: %v: %s", m.mnt, err, out)
	}
	// Waiting for the daemon to finish its sync and exit is a wait for a
	// process, not a guess at readiness.
	if left := waitGone([]int{pid}, 2*time.Minute); len(left) > 0 {
		t.Fatalf("daemon %d still running two minutes after umount", pid)
	}
	m.pid = 0
	if isMounted(m.mnt) {
		t.Fatalf("%s still mounted", m.mnt)
	}

	if got, err := os.ReadFile(filepath.Join(m.server, "Documents/letter.txt")); err != nil || string(got) != "Dear Sir" {
		t.Errorf("server Documents/letter.txt: %q, %v", got, err)
	}
	if fi, err := os.Stat(filepath.Join(m.server, "Music/Playlists")); err != nil || !fi.IsDir() {
		t.Errorf("server Music/Playlists: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(m.server, "Desktop/gone.txt")); !os.IsNotExist(err) {
		t.Errorf("server Desktop/gone.txt: want absent, lstat says %v", err)
	}
	st := m.status()
	if st.Loaded || st.PendingChanges != 0 || st.LastUploadTime == nil {
		t.Errorf("status after umount: Loaded=%v PendingChanges=%d LastUploadTime=%v; want false, 0, set",
			st.Loaded, st.PendingChanges, st.LastUploadTime)
	}
	if j := m.journal(false); len(j) != 0 {
		t.Errorf("%d records still pending after the umount's sync:\n%s", len(j), dump(j))
	}
}
