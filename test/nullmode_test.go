package test

import (
	"os"
	"testing"
)

// TestNullModeRoams: a file and a folder locked with chmod 000 through the
// mount still reach the server, content and all, with mode 0000 (the daemon
// reads the cache as root), and come back locked on another machine. The
// mount reports mode 0000 as it is (issue 12: go-fuse used to report 0644).
func TestNullModeRoams(t *testing.T) {
	server := newServer(t)
	a := newMachine(t, server)
	a.logon()
	write(t, a.p("Documents/locked.txt"), "nobody else reads this")
	write(t, a.p("Documents/Locked/inner.txt"), "inner")
	for _, rel := range []string{"Documents/locked.txt", "Documents/Locked"} {
		if err := os.Chmod(a.p(rel), 0); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(a.p(rel)); err != nil || fi.Mode().Perm() != 0 {
			t.Fatalf("%s through the mount after chmod 000: %v, %v", rel, fi.Mode(), err)
		}
	}
	a.logoff()

	srv := snapshot(t, server, serverSkip)
	for rel, content := range map[string]string{"Documents/locked.txt": "nobody else reads this", "Documents/Locked/inner.txt": "inner"} {
		if e := srv[rel]; e.Kind != "file" || e.Sum != sum(content) {
			t.Errorf("server %s: %v, want the file with its content", rel, e)
		}
	}
	for _, rel := range []string{"Documents/locked.txt", "Documents/Locked"} {
		if e, ok := srv[rel]; !ok || e.Perm != 0 {
			t.Errorf("server %s: %v, want mode 0000", rel, e)
		}
	}

	b := newMachine(t, server)
	b.logon()
	for _, rel := range []string{"Documents/locked.txt", "Documents/Locked"} {
		if fi, err := os.Lstat(b.p(rel)); err != nil || fi.Mode().Perm() != 0 {
			t.Errorf("%s through the second machine's mount: %v, %v, want mode 0000", rel, fi.Mode(), err)
		}
	}
	if got, err := os.ReadFile(b.p("Documents/Locked/inner.txt")); err != nil || string(got) != "inner" {
		t.Errorf("root reading Documents/Locked/inner.txt on the second machine: %q, %v", got, err)
	}
	b.logoff()
}
