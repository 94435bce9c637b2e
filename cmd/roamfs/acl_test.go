package main

import (
	"strings"
	"testing"
)

func TestMachineDirSDDL(t *testing.T) {
	for _, tc := range []struct {
		name, sddl string
		users      string // the Users ACE expected
	}{
		// Users list the folder itself only: nothing inside inherits it.
		{"machineDir", machineDirSDDL(), "(A;;0x1200a9;;;BU)"},
		// The mount list and its entries are readable by users.
		{"mounts", mountListSDDL(), "(A;OICI;0x1200a9;;;BU)"},
	} {
		want := "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)" + tc.users
		if tc.sddl != want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.sddl, want)
		}
	}
}

func TestCacheSDDL(t *testing.T) {
	sid := "S-1-5-21-1004336348-1177238915-682003330-1001"
	got, err := cacheSDDL(sid)
	if err != nil {
		t.Fatal(err)
	}
	want := "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + sid + ")"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if strings.Contains(got, "BU") || strings.Contains(got, "WD") {
		t.Errorf("%s grants users or everyone", got)
	}
}

func TestCacheSDDLRefuses(t *testing.T) {
	for _, sid := range []string{
		"",
		"BU",                     // an SDDL alias: the whole Users group
		"WD",                     // Everyone
		"S-1-5",                  // no sub-authority
		"S-1-5-21-1-2-3-1001)(A", // would end the ACE and start another
		"S-1-5-21-1001 ",
		"s-1-5-21-1001",
		"S-2-5-21-1001",
		"S-1-5-4294967296",      // sub-authority over 32 bits
		"S-1-281474976710656-1", // authority over 48 bits
		"S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", // 16 sub-authorities
	} {
		if got, err := cacheSDDL(sid); err == nil {
			t.Errorf("cacheSDDL(%q) = %q, want an error", sid, got)
		}
	}
	for _, sid := range []string{"S-1-5-18", "S-1-5-21-1-2-3-4294967295", "S-1-12-1-1-2-3-4"} {
		if _, err := cacheSDDL(sid); err != nil {
			t.Errorf("cacheSDDL(%q): %v", sid, err)
		}
	}
}

func TestInCacheRoot(t *testing.T) {
	root := `C:\ProgramData\roamfs\cache`
	for dir, want := range map[string]bool{
		`C:\ProgramData\roamfs\cache\S-1-5-21-1-2-3-1001`:  true,
		`c:\programdata\ROAMFS\Cache\S-1-5-21-1-2-3-1001\`: true, // NTFS ignores case
		`C:\ProgramData\roamfs\cache`:                      false,
		`C:\ProgramData\roamfs\cache\a\b`:                  false,
		`C:\ProgramData\roamfs\cache\..`:                   false,
		`C:\ProgramData\roamfs\mounts`:                     false,
		`D:\caches\alice`:                                  false,
	} {
		if got := inCacheRoot(dir, root); got != want {
			t.Errorf("inCacheRoot(%q) = %v, want %v", dir, got, want)
		}
	}
}
