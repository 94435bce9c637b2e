//go:build linux

package test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestSMBHiveUpload: the hive's background upload through SMB: written as
// NTUSER.DAT.{GUID}.tmp on the share and renamed over NTUSER.DAT, so the
// share only ever holds whole hives and no temporary is left.
func TestSMBHiveUpload(t *testing.T) {
	srv, url := smbServer(t)
	m := newMachine(t, url)
	m.setPolicy("UploadHiveMethod: 0\n")
	m.logon()
	hive := bytes.Repeat([]byte("regf hive v2 "), 20000)
	if err := os.WriteFile(m.p("NTUSER.DAT"), hive, 0o600); err != nil {
		t.Fatal(err)
	}
	out := must(t, "hive", "upload", "--cache", m.cache)
	if !strings.Contains(out, "uploaded NTUSER.DAT") {
		t.Errorf("hive upload through SMB printed %q", out)
	}
	if got, err := os.ReadFile(onShare(srv, "NTUSER.DAT")); err != nil || !bytes.Equal(got, hive) {
		t.Errorf("share's NTUSER.DAT after the upload: %d bytes, %v; want %d", len(got), err, len(hive))
	}
	entries, _ := os.ReadDir(onShare(srv, ""))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "NTUSER.DAT.{") {
			t.Errorf("hive temporary left on the share: %s", e.Name())
		}
	}
	noTemps(t, srv)
	m.logoff()
}

// TestSMBMassDeleteGuard: a logoff through SMB that would delete most of the
// share's files is held (exit 1, nothing deleted) and its dry run says so;
// --allow-mass-delete lets it through.
func TestSMBMassDeleteGuard(t *testing.T) {
	srv, url := smbServer(t)
	m := newMachine(t, url)
	m.logon()
	for i := range 30 {
		write(t, m.p(fmt.Sprintf("Documents/f%02d.txt", i)), "x")
	}
	m.logoff()
	m.logon()
	for i := range 30 {
		if err := os.Remove(m.p(fmt.Sprintf("Documents/f%02d.txt", i))); err != nil {
			t.Fatal(err)
		}
	}
	if code, steps, _ := dryRun(t, "logoff", "--dry-run", "--json", m.mnt); code != 1 || steps["delete-server"] != 30 {
		t.Errorf("dry run through SMB: exit %d, steps %v; want 1 with 30 deletions", code, steps)
	}
	r, err := roamfs("logoff", m.mnt)
	if err != nil || r.code != 1 {
		t.Fatalf("held logoff through SMB: exit %d (%v), want 1", r.code, err)
	}
	if _, err := os.Stat(onShare(srv, "Documents/f00.txt")); err != nil {
		t.Errorf("the held logoff deleted on the share: %v", err)
	}
	if res := m.logoff("--allow-mass-delete"); res.Deleted != 30 {
		t.Errorf("logoff --allow-mass-delete through SMB deleted %d, want 30", res.Deleted)
	}
	if _, err := os.Stat(onShare(srv, "Documents/f00.txt")); err == nil {
		t.Error("f00.txt still on the share after the allowed logoff")
	}
}
