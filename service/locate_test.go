package service

import (
	"errors"
	"testing"
)

func TestServerPath(t *testing.T) {
	alice := User{Name: "alice", Domain: "CORP", SID: "S-1-5-21-1"}
	local := User{Name: "bob"}
	for _, c := range []struct {
		name           string
		machine, acct  string
		u              User
		want           string
		notRoaming     bool
		wantErrPresent bool
	}{
		{"policy wins over the account", `\\fs1\profiles\%USERNAME%`, `\\fs2\home\alice\profile`, alice, `\\fs1\profiles\alice`, false, false},
		{"account path when no policy", "", `\\fs2\home\alice\profile`, alice, `\\fs2\home\alice\profile`, false, false},
		{"variables in any case", `\\fs1\%userdomain%\%UserName%`, "", alice, `\\fs1\CORP\alice`, false, false},
		{"repeated variable", `\\fs1\%USERNAME%\%USERNAME%`, "", alice, `\\fs1\alice\alice`, false, false},
		{"blank policy is no policy", "  ", `\\fs2\p\%USERNAME%`, alice, `\\fs2\p\alice`, false, false},
		{"neither", "", "", alice, "", true, true},
		{"unknown domain", `\\fs1\%USERDOMAIN%\%USERNAME%`, "", local, "", false, true},
		{"unsupported variable", `\\fs1\%HOMESHARE%\p`, "", alice, "", false, true},
		{"letters that change length when upper-cased", `\\fs\ɐſ\%USERNAME%`, "", alice, `\\fs\ɐſ\alice`, false, false},
		{"a name holding a percent sign", `\\fs\%USERNAME%`, "", User{Name: "50%off"}, `\\fs\50%off`, false, false},
		{"unclosed percent", `\\fs\%USERNAME`, "", alice, "", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ServerPath(c.machine, c.acct, c.u)
			if (err != nil) != c.wantErrPresent || errors.Is(err, ErrNotRoaming) != c.notRoaming {
				t.Fatalf("ServerPath(%q, %q) error %v; want error %v, not roaming %v", c.machine, c.acct, err, c.wantErrPresent, c.notRoaming)
			}
			if got != c.want {
				t.Errorf("ServerPath(%q, %q) = %q, want %q", c.machine, c.acct, got, c.want)
			}
		})
	}
}

func TestAccount(t *testing.T) {
	if got := (User{Name: "alice", Domain: "CORP"}).Account(); got != `CORP\alice` {
		t.Errorf("Account = %q", got)
	}
	if got := (User{Name: "alice"}).Account(); got != "alice" {
		t.Errorf("Account without domain = %q", got)
	}
}
