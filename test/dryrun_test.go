package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogoffDryRun: `roamfs logoff --dry-run` prints each path's action and
// the rule that chose it, and changes nothing: the mount stays, the server
// is untouched, the journal still pending; the real logoff then does it.
func TestLogoffDryRun(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	write(t, m.p("Documents/new.txt"), "new")
	if err := os.RemoveAll(m.p("Music")); err != nil {
		t.Fatal(err)
	}
	out := must(t, "logoff", "--dry-run", "--json", m.mnt)
	got := map[string]map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, `{"summary":`) {
			continue // the last line: counts by action
		}
		var e map[string]string
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("dry-run line %q: %v", line, err)
		}
		if e["rule"] == "" || e["intent"] == "" {
			t.Errorf("dry-run step without intent or rule: %v", e)
		}
		got[e["path"]] = e
	}
	if e := got["Documents/new.txt"]; e["action"] != "upload" {
		t.Errorf("Documents/new.txt: %v, want upload", e)
	}
	if e := got["Music"]; e["action"] != "delete-server" {
		t.Errorf("Music: %v, want delete-server", e)
	}
	table := must(t, "logoff", "--dry-run", m.mnt)
	if !strings.Contains(table, "ACTION") || !strings.Contains(table, "Documents/new.txt") {
		t.Errorf("dry-run table:\n%s", table)
	}
	if !isMounted(m.mnt) {
		t.Fatal("dry-run unmounted the profile")
	}
	if _, err := os.Stat(filepath.Join(m.server, "Documents/new.txt")); err == nil {
		t.Error("dry-run uploaded Documents/new.txt")
	}
	if _, err := os.Stat(filepath.Join(m.server, "Music")); err != nil {
		t.Error("dry-run deleted Music on the server")
	}
	if m.status().PendingChanges == 0 {
		t.Error("dry-run marked the journal synced")
	}
	m.logoff()
	if _, err := os.Stat(filepath.Join(m.server, "Documents/new.txt")); err != nil {
		t.Errorf("logoff after the dry run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(m.server, "Music")); err == nil {
		t.Error("logoff after the dry run kept Music on the server")
	}
	if ev := must(t, "events"); !strings.Contains(ev, "1521") || !strings.Contains(ev, "1701") {
		t.Errorf("roamfs events lacks ids:\n%s", ev)
	}
}
