package test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// defaultRoaming is what the default profile puts on the server: Windows'
// Default User folders that roam, and the hive.
var defaultRoaming = []string{
	"AppData", "AppData/Roaming", "Contacts", "Desktop", "Documents", "Downloads",
	"Favorites", "Links", "Music", "Pictures", "Saved Games", "Searches", "Videos",
}

// TestLogonEditsLogoffFreshCache: a first logon gets the default profile; the
// session's edits reach the server at logoff, exactly; another machine (a
// fresh cache) then gets exactly that profile.
func TestLogonEditsLogoffFreshCache(t *testing.T) {
	server := newServer(t)
	a := newMachine(t, server)
	a.logon()

	for _, d := range append(defaultRoaming, "AppData/Local", "AppData/LocalLow") {
		if fi, err := os.Stat(a.p(d)); err != nil || !fi.IsDir() {
			t.Errorf("default profile: %s is not a folder in the mount (%v)", d, err)
		}
	}
	hive, err := os.ReadFile(a.p("NTUSER.DAT"))
	if err != nil || !bytes.HasPrefix(hive, []byte("regf")) {
		t.Fatalf("default profile: NTUSER.DAT unreadable or not a hive (%v, %d bytes)", err, len(hive))
	}

	// The session's edits.
	write(t, a.p("Documents/report.txt"), "report v1")
	write(t, a.p("Desktop/todo.txt"), "buy milk\n")
	write(t, a.p("Documents/scratch.txt"), "temporary")
	write(t, a.p("Documents/draft.txt"), "final words")
	if err := os.MkdirAll(a.p("Documents/Projects/2024/Q1"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, a.p("Documents/Projects/2024/Q1/plan.md"), "# plan\n")
	write(t, a.p("Documents/report.txt"), "report v2, longer than v1") // modify
	if err := os.Remove(a.p("Documents/scratch.txt")); err != nil {    // delete
		t.Fatal(err)
	}
	if err := os.Rename(a.p("Documents/draft.txt"), a.p("Documents/final.txt")); err != nil { // rename
		t.Fatal(err)
	}
	if err := os.Symlink("../Documents/final.txt", a.p("Desktop/final.lnk")); err != nil {
		t.Fatal(err)
	}
	write(t, a.p("Documents/stamped.txt"), "old content")
	stamp := time.Date(2019, 3, 4, 5, 6, 7, 123456789, time.UTC)
	if err := os.Chtimes(a.p("Documents/stamped.txt"), stamp, stamp); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(a.p("Desktop/todo.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	inMount := snapshot(t, a.mnt, nil)
	a.logoff()

	want := map[string]string{
		"NTUSER.DAT":                         "file " + sum(string(hive)),
		"Documents/report.txt":               "file " + sum("report v2, longer than v1"),
		"Desktop/todo.txt":                   "file " + sum("buy milk\n"),
		"Documents/final.txt":                "file " + sum("final words"),
		"Documents/Projects":                 "dir",
		"Documents/Projects/2024":            "dir",
		"Documents/Projects/2024/Q1":         "dir",
		"Documents/Projects/2024/Q1/plan.md": "file " + sum("# plan\n"),
		"Desktop/final.lnk":                  "symlink ../Documents/final.txt",
		"Documents/stamped.txt":              "file " + sum("old content"),
	}
	for _, d := range defaultRoaming {
		want[d] = "dir"
	}
	srv := snapshot(t, server, serverSkip)
	requireSameMap(t, "server after logoff", shape(srv), want)
	// Files keep their permissions and mtimes on the way up.
	requireSameTree(t, "server vs the mount before logoff", srv, inMount.without(nonroamingDefaults), sameWithFileMtime)
	if got := srv["Documents/stamped.txt"].MTime; !got.Equal(stamp) {
		t.Errorf("server mtime of Documents/stamped.txt = %s, want %s", got, stamp)
	}
	if got := srv["Desktop/todo.txt"].Perm; got != 0o600 {
		t.Errorf("server mode of Desktop/todo.txt = %04o, want 0600", got)
	}

	// Another machine: a fresh cache gets exactly the server's profile.
	b := newMachine(t, server)
	b.logon()
	// The nonroaming folders are the machine's own business: whether a new
	// machine creates AppData/Local from the default profile is not a sync
	// result.
	onB := snapshot(t, b.mnt, nil).without(nonroamingDefaults)
	requireSameMap(t, "fresh cache's mount", shape(onB), want)
	requireSameTree(t, "fresh cache's mount vs server", onB, srv, sameWithFileMtime)
	if got, err := os.ReadFile(b.p("Desktop/final.lnk")); err != nil || string(got) != "final words" {
		t.Errorf("following Desktop/final.lnk on the second machine: %q, %v", got, err)
	}
	b.logoff()
	requireSameTree(t, "server after the second machine's logoff", snapshot(t, server, serverSkip), srv, sameWithFileMtime)
}

// nonroamingDefaults are the default profile's folders that stay on the
// machine that created them.
func nonroamingDefaults(rel string) bool {
	return rel == "AppData/Local" || rel == "AppData/LocalLow" ||
		strings.HasPrefix(rel, "AppData/Local/") || strings.HasPrefix(rel, "AppData/LocalLow/")
}

func (tr tree) without(drop func(string) bool) tree {
	out := tree{}
	for p, e := range tr {
		if !drop(p) {
			out[p] = e
		}
	}
	return out
}

func sameWithFileMtime(_ string, g, w entry) string {
	if why := sameContent(g, w); why != "" {
		return why
	}
	if g.Kind == "file" && !g.MTime.Equal(w.MTime) {
		return "mtime"
	}
	return ""
}

// shape reduces a tree to kind and content, for comparing with a literal map.
func shape(tr tree) map[string]string {
	out := map[string]string{}
	for p, e := range tr {
		switch e.Kind {
		case "file":
			out[p] = "file " + e.Sum
		case "symlink":
			out[p] = "symlink " + e.Target
		default:
			out[p] = e.Kind
		}
	}
	return out
}

func requireSameMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	var d []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			d = append(d, "missing "+p+" ("+w+")")
		} else if g != w {
			d = append(d, p+": got "+g+", want "+w)
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			d = append(d, "unexpected "+p+" ("+g+")")
		}
	}
	if len(d) > 0 {
		t.Fatalf("%s: %d differences:\n%s", what, len(d), strings.Join(d, "\n"))
	}
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// write replaces a file's content the way an editor's plain save does.
func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
