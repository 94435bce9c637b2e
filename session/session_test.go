package session_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roamfs/cachedir"
	"roamfs/session"
	"roamfs/store"
	"roamfs/syncer"
)

// TestSessionLifecycle: logon, changes through the overlay, the control
// socket's view of them, and a logoff over the socket that puts them on the
// server and ends the session.
func TestSessionLifecycle(t *testing.T) {
	r := newRig(t)
	done := r.start()
	if got := r.serverFile("NTUSER.DAT"); strings.HasPrefix(got, "error") {
		t.Fatalf("the first logon did not create the default profile on the server: NTUSER.DAT %s", got)
	}
	r.write("Documents/a.txt", "hello")
	if _, err := r.mnt.profile().Mkdir("Documents/sub", 0o755, nil); err != nil {
		t.Fatal(err)
	}

	c := r.client()
	st, err := c.Status()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if !st.Loaded || st.PendingChanges == 0 || st.ProfileSizeKB == nil || st.LocalPath != r.cfg.Mountpoint || st.RoamingPath != r.server {
		t.Errorf("status of a running session with changes: %+v", st)
	}
	entries, err := c.Journal(false)
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	if !hasEntry(entries, "create", "Documents/a.txt") || !hasEntry(entries, "mkdir", "Documents/sub") {
		t.Errorf("journal %+v lacks the create of Documents/a.txt or the mkdir of Documents/sub", entries)
	}
	plan, err := c.Plan()
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if !hasStep(plan, "Documents/a.txt", syncer.ActUpload.String()) {
		t.Errorf("plan %+v does not upload Documents/a.txt", plan)
	}
	if got := r.serverFile("Documents/a.txt"); !strings.HasPrefix(got, "error") {
		t.Errorf("Documents/a.txt reached the server before the logoff: %s", got)
	}
	r.write("NTUSER.DAT", "settings")
	hive, err := c.UploadHive()
	if err != nil || len(hive.Uploaded) != 1 || hive.Uploaded[0] != "NTUSER.DAT" {
		t.Errorf("hive upload: %v %+v", err, hive)
	}
	if got := r.serverFile("NTUSER.DAT"); got != "settings" {
		t.Errorf("server NTUSER.DAT after the hive upload: %s", got)
	}
	if st, err := c.Status(); err != nil || st.LastBackgroundRegistryUploadTime == nil || st.LastUploadTime != nil {
		t.Errorf("status after a background hive upload: %+v %v", st, err)
	}

	reply, err := c.Logoff(false)
	if err != nil || reply.Code != session.Synced || reply.Result == nil || !reply.Result.OK || reply.Result.Uploaded < 2 {
		t.Fatalf("logoff: %v, reply %+v", err, reply)
	}
	if err := r.wait(done); err != nil {
		t.Fatalf("the session ended with %v after a logoff that synced", err)
	}
	if r.mnt.mounted() {
		t.Error("the mount is still there after the logoff")
	}
	if got := r.serverFile("Documents/a.txt"); got != "hello" {
		t.Errorf("server Documents/a.txt: %s", got)
	}
	if fi, err := os.Stat(r.server + "/Documents/sub"); err != nil || !fi.IsDir() {
		t.Errorf("server Documents/sub: %v", err)
	}
	if n := r.pending(); n != 0 {
		t.Errorf("%d journal entries pending after a logoff that synced", n)
	}
	st, err = r.layout.ReadStatus()
	if err != nil || st.Loaded || st.LastUploadTime == nil {
		t.Errorf("status after the logoff: %+v, %v", st, err)
	}
	if _, err := session.Dial(r.layout); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("dial after the session ended: %v, want ErrNoSession", err)
	}
}

// TestSessionUnmount: a plain umount ends the session as a logoff does.
func TestSessionUnmount(t *testing.T) {
	r := newRig(t)
	done := r.start()
	r.write("Desktop/note.txt", "umount")
	if err := r.mnt.Unmount(); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(done); err != nil {
		t.Fatalf("session after umount: %v", err)
	}
	if got := r.serverFile("Desktop/note.txt"); got != "umount" {
		t.Errorf("server Desktop/note.txt: %s", got)
	}
}

// TestSessionLogoffFailureKeepsJournal: a server that fails every upload
// fails the logoff, which says so; the journal keeps every change, each
// failed attempt was retried and logged, and a sync without a mount (the
// shared engine) finishes the job once the server is back.
func TestSessionLogoffFailureKeepsJournal(t *testing.T) {
	r := newRig(t)
	done := r.start()
	r.write("Documents/kept.txt", "not lost")
	r.store().FailOn(func(op, _ string) error {
		if op == store.OpPut {
			return errShare
		}
		return nil
	})
	reply, err := r.client().Logoff(false)
	var le *session.LogoffError
	if !errors.As(err, &le) || le.Outcome != session.Failed || reply.Code != session.Failed {
		t.Fatalf("logoff against a failing server: %v (%T), reply %+v; want a Failed LogoffError", err, err, reply)
	}
	if !strings.Contains(reply.Error, "kept in the journal") || !strings.Contains(reply.Error, "roamfs sync --cache "+r.layout.Dir) {
		t.Errorf("the failure %q does not say the changes are kept and how to finish", reply.Error)
	}
	if reply.Result == nil || reply.Result.OK {
		t.Errorf("failed logoff's result: %+v", reply.Result)
	}
	if err := r.wait(done); err == nil {
		t.Error("the session ended without an error after a logoff sync that failed")
	}
	if n := r.pending(); n == 0 {
		t.Error("the failed logoff emptied the journal")
	}
	if n := r.logged("server operation failed; retrying"); n == 0 {
		t.Error("the session's retries of the failing upload were not logged")
	}
	st, _ := r.layout.ReadStatus()
	if st.LastUploadTime != nil || st.Loaded {
		t.Errorf("status after a failed logoff: %+v", st)
	}

	// The share is back, though it still drops the first upload once.
	var once bool
	o, err := session.OpenOffline(session.OfflineConfig{
		Layout: r.layout, Server: r.server, Policy: r.cfg.Policy, Log: r.cfg.Log,
		OpenStore: func(dir string, create bool) (store.Store, error) {
			s, err := r.openStore(dir, create)
			r.store().FailOn(func(op, _ string) error {
				if op == store.OpPut && !once {
					once = true
					return errShare
				}
				return nil
			})
			return s, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	before := r.logged("server operation failed; retrying")
	res, err := o.Sync(t.Context(), o.Syncer().Logoff)
	o.Close()
	if err != nil || !res.OK {
		t.Fatalf("offline sync after the failed logoff: %v %+v", err, res)
	}
	if r.logged("server operation failed; retrying") == before {
		t.Error("the offline sync's retry was not logged")
	}
	if got := r.serverFile("Documents/kept.txt"); got != "not lost" {
		t.Errorf("server Documents/kept.txt after the offline sync: %s", got)
	}
	if n := r.pending(); n != 0 {
		t.Errorf("%d entries pending after the offline sync", n)
	}
}

// TestSessionLogoffHeld: a logoff that cannot go ahead (the plan cannot be
// made, the profile is over its size limit, the mount is busy) leaves the
// session running with nothing synced; the next logoff goes through.
func TestSessionLogoffHeld(t *testing.T) {
	r := newRig(t)
	r.cfg.Policy.EnableProfileQuota, r.cfg.Policy.MaxProfileSize = true, 300 // KB
	done := r.start()
	r.write("Documents/big.bin", strings.Repeat("x", 400<<10))
	c := r.client()

	reply, err := c.Logoff(false)
	var le *session.LogoffError
	if !errors.As(err, &le) || le.Outcome != session.Refused || reply.Quota == nil || !reply.Quota.Over {
		t.Fatalf("logoff over the size limit: %v, reply %+v; want Refused with the quota report", err, reply)
	}
	if err := os.Remove(r.layout.Profile() + "/Documents/big.bin"); err != nil {
		t.Fatal(err)
	}
	r.write("Documents/small.txt", "fits")

	r.store().FailAfter(0, errShare) // reads too: no plan can be made
	if _, err := c.Logoff(false); !errors.As(err, &le) || le.Outcome != session.Failed {
		t.Fatalf("logoff whose plan fails: %v; want Failed", err)
	}
	r.store().FailAfter(-1, nil)

	r.mnt.setBusy(errors.New("device busy"))
	if reply, err := c.Logoff(false); !errors.As(err, &le) || le.Outcome != session.Failed || !strings.Contains(reply.Error, "cannot unmount") {
		t.Fatalf("logoff of a busy mount: %v, reply %+v; want Failed, cannot unmount", err, reply)
	}
	r.mnt.setBusy(nil)

	if !r.mnt.mounted() {
		t.Fatal("a logoff that was held took the mount away")
	}
	if got := r.serverFile("Documents/small.txt"); !strings.HasPrefix(got, "error") {
		t.Errorf("a held logoff synced Documents/small.txt: %s", got)
	}
	if reply, err := c.Logoff(false); err != nil || reply.Code != session.Synced {
		t.Fatalf("logoff once it fits: %v, reply %+v", err, reply)
	}
	if err := r.wait(done); err != nil {
		t.Fatal(err)
	}
	if got := r.serverFile("Documents/small.txt"); got != "fits" {
		t.Errorf("server Documents/small.txt: %s", got)
	}
}

// TestSessionCachedProfileWithoutServer: with the server copy unreachable, a
// cache that holds the profile logs on with it (not roaming, as Windows
// does), the control socket works, and the end of the session fails with
// the journal kept; a cache with no profile refuses the logon.
func TestSessionCachedProfileWithoutServer(t *testing.T) {
	r := newRig(t)
	r.cfg.OpenStore = func(string, bool) (store.Store, error) { return nil, errShare }
	r.cfg.Mount = newFakeMount().mount
	if _, err := session.Open(r.cfg); err == nil || !strings.Contains(err.Error(), "no cached copy") {
		t.Fatalf("open with no server and no cache: %v", err)
	}

	r = newRig(t)
	done := r.start()
	if reply, err := r.client().Logoff(false); err != nil {
		t.Fatalf("first logoff: %v %+v", err, reply)
	}
	r.wait(done)

	r.cfg.OpenStore = func(string, bool) (store.Store, error) { return nil, errShare }
	done = r.start()
	st, err := r.client().Status()
	if err != nil || st.Status&cachedir.StatusRoaming != 0 || !strings.Contains(st.NotRoamingReason, "could not be reached") {
		t.Errorf("status of a session on the cached profile: %+v %v", st, err)
	}
	r.write("Documents/offline.txt", "written while the share was away")
	// No plan can be made: `roamfs logoff` is held, the mount stays.
	if _, err := r.client().Logoff(false); err == nil || !r.mnt.mounted() {
		t.Errorf("logoff without the server copy: %v, mounted %v; want held", err, r.mnt.mounted())
	}
	// A plain umount (the machine shuts down) runs the sync, which fails.
	if err := r.mnt.Unmount(); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(done); err == nil {
		t.Error("the session ended without an error")
	}
	if n := r.pending(); n == 0 {
		t.Error("the journal lost the change made without the server")
	}
}

func hasEntry(es []session.JournalEntry, op, path string) bool {
	for _, e := range es {
		if e.Op == op && e.Path == path {
			return true
		}
	}
	return false
}

func hasStep(ps []session.PlanEntry, path, action string) bool {
	for _, p := range ps {
		if p.Path == path && p.Action == action {
			return true
		}
	}
	return false
}

// TestSessionVerifiesWithoutWriteBack: with write-back rounds off, the one
// check after the mount for changes made on the server behind roamfs' back
// (deeper than the top level, which the logon's index check sees) still
// runs and merges them into the live profile.
func TestSessionVerifiesWithoutWriteBack(t *testing.T) {
	r := newRig(t)
	done := r.start()
	if _, err := r.mnt.profile().Mkdir("Documents/restored", 0o755, nil); err != nil {
		t.Fatal(err)
	}
	r.write("Documents/restored/a.txt", "hello")
	if reply, err := r.client().Logoff(false); err != nil || reply.Code != session.Synced {
		t.Fatalf("first logoff: %v %+v", err, reply)
	}
	r.wait(done)
	// An administrator restores a file into the server copy, below the top
	// level (which the logon's check of the index would see).
	deep := filepath.Join(r.server, "Documents", "restored")
	if err := os.WriteFile(filepath.Join(deep, "x.txt"), []byte("from backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.cfg.Policy.PSMidSessionWriteBack = false
	done = r.start()
	for deadline := time.Now().Add(time.Minute); r.logged("changes made on the server copy behind roamfs merged into the profile") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the server copy was not checked after the mount with write-back off")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, err := os.ReadFile(filepath.Join(r.layout.Profile(), "Documents", "restored", "x.txt"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if p := r.mnt.profile(); err != nil || string(b) != "from backup" {
		// Streamed: it may be a placeholder, read through the overlay.
		h, oerr := p.Open("Documents/restored/x.txt", os.O_RDONLY)
		if oerr != nil {
			t.Fatalf("the restored file is not in the live profile: %v / %v", err, oerr)
		}
		buf := make([]byte, 64)
		n, _ := h.ReadAt(buf, 0)
		h.Release("Documents/restored/x.txt")
		if string(buf[:n]) != "from backup" {
			t.Fatalf("the restored file reads %q", buf[:n])
		}
	}
	if reply, err := r.client().Logoff(false); err != nil || reply.Code != session.Synced {
		t.Fatalf("second logoff: %v %+v", err, reply)
	}
	r.wait(done)
}
