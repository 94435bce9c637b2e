package winacl

import "testing"

// The profile folder and the cache get the same list: the user, SYSTEM and
// Administrators; a string that is not a SID (an alias, an ACE injection)
// is refused. cmd/roamfs's TestCacheSDDLRefuses goes through more of them.
func TestUserDirSDDL(t *testing.T) {
	sid := "S-1-5-21-1004336348-1177238915-682003330-1001"
	got, err := UserDirSDDL(sid)
	if want := "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + sid + ")"; err != nil || got != want {
		t.Errorf("UserDirSDDL = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"BU", "WD", "S-1-5-21-1-2-3-1001)(A", ""} {
		if got, err := UserDirSDDL(bad); err == nil {
			t.Errorf("UserDirSDDL(%q) = %q, want an error", bad, got)
		}
	}
}
