package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type conflictEntry struct {
	Path   string `json:"path"`
	Copy   string `json:"copy"`
	Winner string `json:"winner"`
	Local  struct {
		Host  string    `json:"host"`
		MTime time.Time `json:"mtime"`
	} `json:"local"`
	Server struct {
		Host  string    `json:"host"`
		MTime time.Time `json:"mtime"`
	} `json:"server"`
}

// TestConflictsNamedListedRestored: a conflict is named in the logoff's
// output (plain and JSON) and in the status; `roamfs conflicts` lists the
// copy; `conflicts restore` puts it back as a journaled change, keeping the
// version it replaces as a conflict copy in turn.
func TestConflictsNamedListedRestored(t *testing.T) {
	srv := newServer(t)
	a, b := newMachine(t, srv), newMachine(t, srv)
	a.logon()
	write(t, a.p("Documents/c.txt"), "v0")
	a.logoff()
	b.logon()
	a.logon()
	write(t, a.p("Documents/c.txt"), "from A")
	a.logoff()
	time.Sleep(10 * time.Millisecond)
	write(t, b.p("Documents/c.txt"), "from B, newer")

	r, err := roamfs("logoff", "--json", b.mnt)
	if err != nil || r.code != 0 {
		t.Fatalf("logoff B: exit %d %v %s", r.code, err, r.stderr)
	}
	b.waitDaemon()
	var res struct {
		Conflicts    int             `json:"conflicts"`
		ConflictList []conflictEntry `json:"conflict_list"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Conflicts != 1 || len(res.ConflictList) != 1 {
		t.Fatalf("logoff --json: %s", r.stdout)
	}
	c := res.ConflictList[0]
	if c.Path != "Documents/c.txt" || c.Winner != "local" || !strings.Contains(c.Copy, "(conflict ") ||
		c.Local.Host == "" || c.Server.Host == "" || !c.Local.MTime.After(c.Server.MTime) {
		t.Errorf("conflict entry %+v", c)
	}
	if got, err := os.ReadFile(filepath.Join(srv, filepath.FromSlash(c.Copy))); err != nil || string(got) != "from A" {
		t.Errorf("server copy %s: %q %v, want A's version", c.Copy, got, err)
	}
	if !strings.Contains(string(b.status().LastSyncResult), `"conflict_list"`) {
		t.Errorf("status LastSyncResult does not name the conflict: %s", b.status().LastSyncResult)
	}

	// The plain output names it too, on the machine that loses.
	a.logon()
	write(t, a.p("Documents/c.txt"), "A again")
	b.logon()
	write(t, b.p("Documents/c.txt"), "B again, newer")
	b.logoff()
	r, err = roamfs("logoff", a.mnt)
	if err != nil || r.code != 0 || !strings.Contains(r.stdout, "conflict: Documents/c.txt:") || !strings.Contains(r.stdout, "kept as Documents/c (conflict ") {
		t.Errorf("plain logoff output does not name the conflict: exit %d\n%s", r.code, r.stdout)
	}
	a.waitDaemon()

	b.logon()
	var copies []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(must(t, "conflicts", "--json", "--cache", b.cache)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("conflicts --json line %q: %v", line, err)
		}
		copies = append(copies, m)
	}
	if len(copies) != 2 {
		t.Fatalf("conflicts --json: %d copies, want 2: %v", len(copies), copies)
	}
	var first string
	for _, cp := range copies {
		if cp["original"] != "Documents/c.txt" || cp["host"] == "" {
			t.Errorf("conflict copy %v", cp)
		}
		if cp["copy"] == c.Copy {
			first = c.Copy
		}
	}
	if first == "" {
		t.Fatalf("conflicts does not list %s: %v", c.Copy, copies)
	}
	out := must(t, "conflicts", "restore", b.p(first))
	if got, _ := os.ReadFile(b.p("Documents/c.txt")); string(got) != "from A" {
		t.Errorf("after restore Documents/c.txt reads %q (%s)", got, out)
	}
	journaled := false
	for _, e := range b.journal(false) {
		journaled = journaled || e.Path == "Documents/c.txt"
	}
	if !journaled {
		t.Error("the restore is not in the journal")
	}
	b.logoff()
	if got, _ := os.ReadFile(filepath.Join(srv, "Documents/c.txt")); string(got) != "from A" {
		t.Errorf("server after the restore's logoff: %q", got)
	}
	found := false
	entries, _ := os.ReadDir(filepath.Join(srv, "Documents"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "c (conflict ") {
			if got, _ := os.ReadFile(filepath.Join(srv, "Documents", e.Name())); string(got) == "A again" || string(got) == "B again, newer" {
				found = found || string(got) == "B again, newer"
			}
		}
	}
	if !found {
		t.Error("the version the restore replaced was not kept as a conflict copy on the server")
	}
}

// TestConflictsBelowLazyFolders: after a streamed logon the folders are not
// materialized (PSAlwaysCache off: no fill), empty in the cache; `roamfs
// conflicts` still lists the conflict copies below them, from the kept
// namespace, without materializing anything: through the running session,
// and from the cache once it is logged off.
func TestConflictsBelowLazyFolders(t *testing.T) {
	server := newServer(t)
	copyName := "Documents/deep/sub/report (conflict otherpc-abc123 2026-03-04 050607).txt"
	for rel, data := range map[string]string{
		"Documents/deep/sub/report.txt": "current",
		copyName:                        "the other machine's version",
		"Desktop/plain.txt":             "not a copy",
	} {
		write(t, filepath.Join(server, filepath.FromSlash(rel)), data)
	}
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\n")
	m.logon()
	lazy := func(when string) {
		t.Helper()
		if ents, err := os.ReadDir(filepath.Join(m.cache, "profile", "Documents")); err != nil || len(ents) > 0 {
			t.Fatalf("%s: the cache's Documents holds %d entries (%v); want it unmaterialized, empty", when, len(ents), err)
		}
	}
	lazy("after the streamed logon")
	check := func(when string) {
		t.Helper()
		out := must(t, "conflicts", "--json", "--cache", m.cache)
		var got []conflictListed
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var c conflictListed
			if err := json.Unmarshal([]byte(line), &c); err != nil {
				t.Fatalf("%s: conflicts --json line %q: %v", when, line, err)
			}
			got = append(got, c)
		}
		if len(got) != 1 || got[0].Copy != copyName || got[0].Original != "Documents/deep/sub/report.txt" ||
			got[0].Host != "otherpc-abc123" || got[0].Size != int64(len("the other machine's version")) {
			t.Errorf("%s: conflicts --json listed %+v; want the one copy below the unmaterialized folder", when, got)
		}
		table := must(t, "conflicts", "--cache", m.cache)
		if !strings.Contains(table, "Documents/deep/sub/report.txt") || !strings.Contains(table, "otherpc-abc123") {
			t.Errorf("%s: conflicts table:\n%s", when, table)
		}
		lazy(when + ", after conflicts")
	}
	check("session running")
	m.logoff()
	check("logged off")
}

// conflictListed is one line of `roamfs conflicts --json`.
type conflictListed struct {
	Copy     string    `json:"copy"`
	Original string    `json:"original"`
	Host     string    `json:"host"`
	MTime    time.Time `json:"mtime"`
	Size     int64     `json:"size"`
}
