package main

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows"

	"roamfs/internal/wintest"
)

// The cache's access list as protectDir applies it, read back: SYSTEM,
// Administrators and the user, nobody else. Wine applies it, but reads back
// what it keeps of it: the user, SYSTEM and Everyone (its files' Unix mode
// bits), no Administrators and no protected flag; under Wine the test checks
// that the user and SYSTEM are there and logs the rest.
func TestWinProtectDir(t *testing.T) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	sid := tu.User.Sid.String()
	dir := filepath.Join(wintest.TempDir(t), "cache")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sddl, err := cacheSDDL(sid)
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ { // again: a no-op on Windows, where the DACL stays protected
		if err := protectDir(dir, sddl); err != nil {
			t.Fatalf("protectDir (run %d): %v", run, err)
		}
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("no DACL read back: %v", err)
	}
	want := map[string]bool{"S-1-5-18": true, "S-1-5-32-544": true, sid: true}
	got := map[string]bool{}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			t.Fatal(err)
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			t.Errorf("ACE %d of type %d", i, ace.Header.AceType)
			continue
		}
		s := (*windows.SID)(unsafePointer(&ace.SidStart)).String()
		got[s] = true
		if !want[s] && !wintest.Wine() {
			t.Errorf("access granted to %s, who is not SYSTEM, Administrators or the user", s)
		}
	}
	for s := range want {
		if !got[s] && (!wintest.Wine() || s == sid || s == "S-1-5-18") {
			t.Errorf("no access entry for %s; DACL read back: %v", s, got)
		}
	}
	t.Logf("DACL read back: %v", got)
	if err := os.WriteFile(filepath.Join(dir, "journal"), []byte("x"), 0o600); err != nil {
		t.Errorf("the user cannot write in their own cache: %v", err)
	}
}
