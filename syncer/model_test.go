package syncer

import (
	"fmt"
	"math/rand"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roamfs/journal"
)

// TestRandomThreeMachines plays three machines over one server with random
// interleavings of logons, writes, deletes and logoffs, against a model of the
// rules: after everyone has logged off, the newest version written anywhere
// of every path is on the server, or kept in a conflict copy — unless a
// machine deleted that very version on purpose.
func TestRandomThreeMachines(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 10
	}
	for seed := int64(1); seed <= int64(seeds); seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { playRandom(t, seed) })
	}
}

func playRandom(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	server := filepath.Join(t.TempDir(), "server")
	ms := []*machine{newMachine(t, "A", server, nil), newMachine(t, "B", server, nil), newMachine(t, "C", server, nil)}
	on := make([]bool, len(ms))
	paths := []string{"Documents/a.txt", "Documents/b.txt", "Desktop/c.txt", "Documents/sub/d.txt", "e.txt"}
	clock := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	type write struct {
		content string
		at      time.Time
	}
	newest := map[string]write{}
	knowinglyDeleted := map[string]bool{} // content
	n := 0
	for step := 0; step < 60; step++ {
		i := rng.Intn(len(ms))
		m := ms[i]
		switch {
		case !on[i]:
			m.logon()
			on[i] = true
		case rng.Intn(6) == 0:
			m.logoff()
			on[i] = false
		case rng.Intn(4) == 0:
			p := paths[rng.Intn(len(paths))]
			full := filepath.Join(m.dir, p)
			if data, err := os.ReadFile(full); err == nil {
				knowinglyDeleted[string(data)] = true
				m.remove(p)
			}
		default:
			p := paths[rng.Intn(len(paths))]
			n++
			clock = clock.Add(time.Minute)
			c := fmt.Sprintf("%s wrote %s #%d", m.name, p, n)
			m.writeAt(p, c, clock)
			newest[p] = write{c, clock}
		}
	}
	for i, m := range ms {
		if on[i] {
			m.logoff()
		}
	}
	got := tree(t, server)
	for p, w := range newest {
		if knowinglyDeleted[w.content] {
			continue
		}
		if got[p] == w.content || inConflictCopy(got, p, w.content) {
			continue
		}
		t.Errorf("seed %d: newest version of %s (%q) is lost; server has %v", seed, p, w.content, got)
	}
}

func inConflictCopy(tr map[string]string, p, content string) bool {
	ext := path.Ext(p)
	stem := strings.TrimSuffix(p, ext) + " (conflict "
	for k, v := range tr {
		if strings.HasPrefix(k, stem) && strings.HasSuffix(k, ")"+ext) && v == content {
			return true
		}
	}
	return false
}

// writeAt writes with a given mtime, so several machines share one clock.
func (m *machine) writeAt(p, content string, at time.Time) {
	m.t.Helper()
	full := filepath.Join(m.dir, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		m.t.Fatal(err)
	}
	os.Chtimes(full, at, at)
	m.record(journal.OpWrite, p, "")
}
