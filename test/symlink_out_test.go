package test

import (
	"os"
	"testing"
)

// TestOwnSymlinkOutOfProfileKept: a symlink the user made that leads out of
// the profile roams no further (a logon never brings such a link down from
// the server), but the machine that has it keeps it: the next logon must
// not read the refused server entry as "deleted elsewhere" and delete the
// user's link (make stress's differential run found that, seed 316319426).
func TestOwnSymlinkOutOfProfileKept(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	if err := os.MkdirAll(m.p("Documents/diff"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../..", m.p("Documents/diff/b")); err != nil {
		t.Fatal(err)
	}
	m.logoff()
	m.logon()
	if target, err := os.Readlink(m.p("Documents/diff/b")); err != nil || target != "../../.." {
		t.Errorf("after the next logon the user's symlink reads %q, %v; want it kept", target, err)
	}
	m.logoff()
	m.logon()
	if _, err := os.Lstat(m.p("Documents/diff/b")); err != nil {
		t.Errorf("after a second logon the user's symlink is gone: %v", err)
	}
	m.logoff()
}
