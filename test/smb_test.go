package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roamfs/internal/smbdtest"
	"roamfs/store"
)

// The SMB store end to end: roamfs logon --server smb://... against a private
// smbd (internal/smbdtest), which the tests start on a loopback port and stop
// by pid. Skipped where Samba is not installed; .ci/run installs it.

// smbServer starts smbd and returns it with the address of alice's profile;
// the password reaches every roamfs process through ROAMFS_SMB_PASSWORD.
func smbServer(t *testing.T) (*smbdtest.Server, string) {
	t.Helper()
	srv := smbdtest.Start(t)
	t.Setenv("ROAMFS_SMB_PASSWORD", smbdtest.Password)
	return srv, srv.URL("profiles", "alice")
}

// onShare is the path of rel of alice's profile in the share's directory.
func onShare(srv *smbdtest.Server, rel string) string {
	return filepath.Join(srv.Shares["profiles"], "alice", filepath.FromSlash(rel))
}

// TestSMBRoundTrip is the spine through SMB: a first logon creates the
// profile on the share, the session's edits reach it at logoff, a second
// machine gets them, its own edit comes back to the first without a
// conflict (the share's coarser times and missing modes must not look like
// changes), and a symlink roams as a Minshall+French symlink file.
func TestSMBRoundTrip(t *testing.T) {
	srv, url := smbServer(t)
	a := newMachine(t, url)
	a.logon()
	write(t, a.p("Documents/report.txt"), "report v1")
	if err := os.MkdirAll(a.p("Documents/Projects/Q1"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, a.p("Documents/Projects/Q1/plan.md"), "# plan\n")
	if err := os.Symlink("../Documents/report.txt", a.p("Desktop/report.lnk")); err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2019, 3, 4, 5, 6, 7, 123456789, time.UTC)
	os.Chtimes(a.p("Documents/report.txt"), stamp, stamp)
	a.logoff()

	if b, err := os.ReadFile(onShare(srv, "Documents/report.txt")); err != nil || string(b) != "report v1" {
		t.Errorf("share's Documents/report.txt = %q, %v", b, err)
	}
	if fi, err := os.Stat(onShare(srv, "Documents/report.txt")); err != nil || !fi.ModTime().Equal(stamp.Truncate(100)) {
		t.Errorf("share's mtime = %v, want %v (100 ns FILETIME)", fi.ModTime(), stamp.Truncate(100))
	}
	if b, err := os.ReadFile(onShare(srv, "Desktop/report.lnk")); err != nil || !strings.HasPrefix(string(b), "XSym\n") {
		t.Errorf("share's Desktop/report.lnk is not a Minshall+French symlink: %.20q, %v", b, err)
	}
	if _, err := os.Stat(onShare(srv, "NTUSER.DAT")); err != nil {
		t.Errorf("the hive is not on the share: %v", err)
	}
	noTemps(t, srv)

	b := newMachine(t, url)
	b.logon()
	if got, err := os.ReadFile(b.p("Documents/Projects/Q1/plan.md")); err != nil || string(got) != "# plan\n" {
		t.Errorf("second machine: plan.md = %q, %v", got, err)
	}
	if target, err := os.Readlink(b.p("Desktop/report.lnk")); err != nil || target != "../Documents/report.txt" {
		t.Errorf("second machine: report.lnk -> %q, %v", target, err)
	}
	write(t, b.p("Documents/report.txt"), "report v2 from b")
	if res := b.logoff(); res.Conflicts != 0 || res.Uploaded != 1 {
		t.Errorf("second machine's logoff: %+v; want 1 upload, no conflict", res)
	}

	a.logon()
	if got, err := os.ReadFile(a.p("Documents/report.txt")); err != nil || string(got) != "report v2 from b" {
		t.Errorf("first machine again: report.txt = %q, %v", got, err)
	}
	if res := a.logoff(); res.Conflicts != 0 || res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("a logoff with no change: %+v; want nothing done", res)
	}
	noTemps(t, srv)
}

func noTemps(t *testing.T, srv *smbdtest.Server) {
	t.Helper()
	filepath.WalkDir(srv.Shares["profiles"], func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == serverIndexDeltas {
			return nil // the index's deltas: roamfs' own, not a temporary
		}
		if err == nil && strings.HasPrefix(d.Name(), store.TempPrefix) {
			t.Errorf("temporary file left on the share: %s", p)
		}
		return nil
	})
}

// TestSMBWrongPassword: logon exits 2 naming the share and the user, and
// mounts nothing.
func TestSMBWrongPassword(t *testing.T) {
	_, url := smbServer(t)
	t.Setenv("ROAMFS_SMB_PASSWORD", "wrong")
	m := newMachine(t, url)
	r, err := roamfs("logon", "--server", url, "--cache", m.cache, m.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 2 || !strings.Contains(r.stderr, `\\127.0.0.1\profiles\alice`) || !strings.Contains(r.stderr, smbdtest.User) {
		t.Errorf("logon with a wrong password: exit %d, %q; want 2 naming the share and the user", r.code, r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, "wrong\n") || strings.Contains(r.stderr, `"wrong"`) {
		t.Error("the password is shown")
	}
	if isMounted(m.mnt) {
		t.Error("mounted with a wrong password")
	}

	creds := filepath.Join(t.TempDir(), "creds")
	os.WriteFile(creds, []byte("username = "+smbdtest.User+"\npassword = "+smbdtest.Password+"\n"), 0o644)
	r, _ = roamfs("logon", "--server", url, "--credentials", creds, "--cache", m.cache, m.mnt)
	if r.code == 0 || !strings.Contains(r.stderr, "0600") {
		t.Errorf("logon with a world-readable credentials file: exit %d, %q; want refused, saying 0600", r.code, r.stderr)
	}
	os.Chmod(creds, 0o600)
	os.Unsetenv("ROAMFS_SMB_PASSWORD")
	must(t, "logon", "--server", url, "--credentials", creds, "--cache", m.cache, m.mnt)
	write(t, m.p("Documents/x.txt"), "x")
	m.pid = m.status().PID
	m.logoff()
}

// TestSMBCaseSensitivePolicy: a policy with CaseInsensitive: false cannot be
// honoured by a share, which folds case: logon exits 2 naming the setting and
// mounts nothing, for a new profile and for one the cache already holds (no
// falling back to the cache).
func TestSMBCaseSensitivePolicy(t *testing.T) {
	srv, url := smbServer(t)
	m := newMachine(t, url)
	refused := func(when string) {
		t.Helper()
		m.setPolicy("CaseInsensitive: false\n")
		r, err := roamfs("logon", "--server", url, "--cache", m.cache, "--policy", m.policy, m.mnt)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: exit %d: %s", when, r.code, strings.TrimSpace(r.stderr))
		if r.code != 2 || !strings.Contains(r.stderr, "CaseInsensitive") {
			t.Errorf("%s: logon with CaseInsensitive: false through SMB: exit %d, %q; want 2 naming the setting", when, r.code, r.stderr)
		}
		if isMounted(m.mnt) {
			t.Errorf("%s: mounted with CaseInsensitive: false", when)
		}
	}
	refused("new profile")
	if _, err := os.Stat(onShare(srv, "NTUSER.DAT")); err == nil {
		t.Error("the refused logon wrote a profile to the share")
	}
	m.setPolicy("CaseInsensitive: true\n")
	m.logon()
	write(t, m.p("Documents/x.txt"), "x")
	m.logoff()
	refused("cached profile")
}

// TestSMBReadOnlyShare: a share that refuses writes fails the logoff (exit 1,
// saying why) and keeps the change in the journal.
func TestSMBReadOnlyShare(t *testing.T) {
	srv, _ := smbServer(t)
	dir := filepath.Join(srv.Shares["readonly"], "alice", "Documents")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "old.txt"), []byte("old"), 0o644)
	m := newMachine(t, srv.URL("readonly", "alice"))
	m.logon()
	if got, err := os.ReadFile(m.p("Documents/old.txt")); err != nil || string(got) != "old" {
		t.Errorf("old.txt from the read-only share = %q, %v", got, err)
	}
	write(t, m.p("Documents/new.txt"), "new")
	r, err := roamfs("logoff", m.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 1 || !strings.Contains(r.stderr, "permission denied") {
		t.Errorf("logoff to a read-only share: exit %d, %q; want 1 with the reason", r.code, r.stderr)
	}
	m.waitDaemon()
	if st := relStatusOf(t, m.cache); st.PendingChanges == 0 {
		t.Errorf("the change was dropped from the journal: %+v", st)
	}
}

// TestSMBKilledMidLogoff: smbd dies in the middle of a logoff. The logoff
// exits 1 and keeps the journal; once smbd is back, `roamfs sync` finishes
// it, and no reader of the share ever saw a torn file.
func TestSMBKilledMidLogoff(t *testing.T) {
	srv, url := smbServer(t)
	m := newMachine(t, url)
	m.logon()
	if err := os.MkdirAll(m.p("Documents/many"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("0123456789abcdef", 4096) // 64 KiB
	const n = 300
	for i := range n {
		write(t, m.p(filepath.Join("Documents/many", name(i))), body)
	}
	done := make(chan cliResult, 1)
	go func() { r, _ := roamfs("logoff", m.mnt); done <- r }()
	// Kill smbd once the first files have landed.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if es, _ := os.ReadDir(onShare(srv, "Documents/many")); len(es) >= 5 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	srv.Kill()
	r := <-done
	if r.code != 1 {
		t.Fatalf("logoff with smbd killed: exit %d, %q; want 1", r.code, r.stderr)
	}
	t.Logf("logoff with smbd killed says: %s", strings.TrimSpace(r.stderr))
	m.waitDaemon()
	if st := relStatusOf(t, m.cache); st.PendingChanges == 0 {
		t.Errorf("journal not kept after the failed logoff: %+v", st)
	}
	torn := func() {
		es, _ := os.ReadDir(onShare(srv, "Documents/many"))
		for _, e := range es {
			if strings.HasPrefix(e.Name(), store.TempPrefix) {
				continue // an unfinished upload's temporary file: never a profile file
			}
			if b, err := os.ReadFile(onShare(srv, "Documents/many/"+e.Name())); err != nil || string(b) != body {
				t.Errorf("torn file on the share: %s (%d bytes, %v)", e.Name(), len(b), err)
			}
		}
	}
	torn()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if r := relRoamfs(t, "sync", "--cache", m.cache); r.code != 0 {
		t.Fatalf("roamfs sync after smbd restarted: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	torn()
	if es, _ := os.ReadDir(onShare(srv, "Documents/many")); len(es) != n {
		t.Errorf("%d files on the share after sync, want %d", len(es), n)
	}
	noTemps(t, srv)
}

func name(i int) string { return fmt.Sprintf("f%04d.txt", i) }
