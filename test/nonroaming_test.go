package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNonroamingNotUploaded: AppData/Local, AppData/LocalLow and $Recycle.Bin
// (matched case-insensitively, component by component) are served by the
// mount but never journaled nor uploaded; AppData/Roaming roams.
func TestNonroamingNotUploaded(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	local := map[string]string{
		"AppData/Local/Vendor/cache.bin":   "local cache",
		"AppData/LocalLow/Sandbox/x.dat":   "low integrity",
		"appdata/locallow/x":               "other case",
		"APPDATA/LOCAL/Thing/y.txt":        "upper case",
		"$Recycle.Bin/S-1-5-21/$R0001.txt": "deleted file",
	}
	roaming := map[string]string{
		"AppData/Roaming/Vendor/settings.ini": "[roams]\n",
	}
	for rel, c := range local {
		write(t, m.p(rel), c)
	}
	for rel, c := range roaming {
		write(t, m.p(rel), c)
	}
	for rel, c := range local {
		if got, err := os.ReadFile(m.p(rel)); err != nil || string(got) != c {
			t.Errorf("read %s through the mount: %q, %v; want %q", rel, got, err, c)
		}
	}

	pending := m.journal(false)
	for _, e := range pending {
		for _, p := range []string{e.Path, e.OldPath} {
			if nonroaming(p) {
				t.Errorf("journal record %d %s of nonroaming %s", e.Seq, e.Op, p)
			}
		}
	}
	for rel := range roaming {
		if lastFor(pending, rel) == nil {
			t.Errorf("no journal record for roaming %s:\n%s", rel, dump(pending))
		}
	}

	m.logoff()
	for rel := range local {
		if _, err := os.Lstat(filepath.Join(m.server, rel)); !os.IsNotExist(err) {
			t.Errorf("nonroaming %s is on the server (lstat: %v)", rel, err)
		}
	}
	srv := snapshot(t, m.server, serverSkip)
	for p := range srv {
		if nonroaming(p) {
			t.Errorf("server holds nonroaming %s", p)
		}
	}
	for rel, c := range roaming {
		if got, err := os.ReadFile(filepath.Join(m.server, rel)); err != nil || string(got) != c {
			t.Errorf("server %s: %q, %v; want %q", rel, got, err, c)
		}
	}
	for _, e := range m.journal(true) {
		if nonroaming(e.Path) || nonroaming(e.OldPath) {
			t.Errorf("journal --all record %d %s of nonroaming %s", e.Seq, e.Op, e.Path)
		}
	}

	// The machine keeps them: the next logon with this cache still serves them.
	m.logon()
	for rel, c := range local {
		if got, err := os.ReadFile(m.p(rel)); err != nil || string(got) != c {
			t.Errorf("after logging on again, %s: %q, %v; want %q", rel, got, err, c)
		}
	}
	m.logoff()
}

// nonroaming is the built-in exclusion list, matched case-insensitively per
// component from the profile root.
func nonroaming(rel string) bool {
	l := strings.ToLower(rel)
	for _, f := range []string{"appdata/local", "appdata/locallow", "$recycle.bin"} {
		if l == f || strings.HasPrefix(l, f+"/") {
			return true
		}
	}
	return false
}
