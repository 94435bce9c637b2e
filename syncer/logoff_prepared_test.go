package syncer

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"roamfs/journal"
	"roamfs/store"
)

// serverReads counts the reads the server gets from now on, by operation and
// path. A logoff's plan lists the folder of each changed path ("walk
// Documents", for the server's spelling); its apply does not.
func serverReads(m *machine) func() map[string]int {
	var mu sync.Mutex
	got := map[string]int{}
	m.server.FailOn(func(op, rel string) error {
		if op == store.OpStat || op == store.OpWalk {
			mu.Lock()
			got[op+" "+rel]++
			mu.Unlock()
		}
		return nil
	})
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

func preparedSession(t *testing.T) *machine {
	t.Helper()
	m := newMachine(t, "A", filepath.Join(t.TempDir(), "server"), nil)
	m.logon()
	m.write("Documents/a.txt", "a1")
	m.write("Documents/b.txt", "b1")
	m.logoff()
	m.write("Documents/a.txt", "a2, after the first logoff")
	return m
}

func serverHas(t *testing.T, m *machine, rel, want string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(m.server.Unwrap().(*store.Dir).Root(), rel))
	if err != nil || string(got) != want {
		t.Errorf("server %s = %q, %v; want %q", rel, got, err, want)
	}
}

// The plan of the check before the unmount is the logoff's when nothing was
// journaled since: the logoff reads nothing of the server to plan again.
func TestLogoffAppliesPreparedPlan(t *testing.T) {
	m := preparedSession(t)
	plan, err := m.sy.PrepareLogoff(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Path != "Documents/a.txt" {
		t.Fatalf("prepared plan = %+v, want the one change", plan.Steps)
	}
	reads := serverReads(m)
	if r := m.logoff(); r.Uploaded != 1 {
		t.Errorf("logoff uploaded %d, want 1", r.Uploaded)
	}
	if n := reads()["walk Documents"]; n != 0 {
		t.Errorf("the logoff listed Documents on the server %d times: it planned again (reads %v)", n, reads())
	}
	serverHas(t, m, "Documents/a.txt", "a2, after the first logoff")
	// Applied once: the next logoff plans (and has nothing to do).
	m.server.FailOn(nil)
	if r := m.logoff(); r.Uploaded != 0 {
		t.Errorf("second logoff uploaded %d, want 0", r.Uploaded)
	}
}

// Anything journaled after the check (a write, bases set by a fetch or a
// round, a mass-delete permission that changed) makes the logoff plan again.
func TestLogoffPlansAgainAfterPrepare(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after func(t *testing.T, m *machine)
		check func(t *testing.T, m *machine, r Result)
	}{
		{"a write", func(t *testing.T, m *machine) { m.write("Documents/b.txt", "b2, after the check") },
			func(t *testing.T, m *machine, r Result) {
				if r.Uploaded != 2 {
					t.Errorf("uploaded %d, want 2", r.Uploaded)
				}
				serverHas(t, m, "Documents/b.txt", "b2, after the check")
			}},
		{"bases set", func(t *testing.T, m *machine) {
			if err := m.j.SetBases(map[string]journal.Base{"Documents/c.txt": {Size: 1}}, nil); err != nil {
				t.Fatal(err)
			}
		}, func(*testing.T, *machine, Result) {}},
		{"mass delete allowed", func(t *testing.T, m *machine) { m.sy.AllowMassDelete(true) },
			func(*testing.T, *machine, Result) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := preparedSession(t)
			if _, err := m.sy.PrepareLogoff(context.Background()); err != nil {
				t.Fatal(err)
			}
			tc.after(t, m)
			reads := serverReads(m)
			r := m.logoff()
			if reads()["walk Documents"] == 0 {
				t.Errorf("the logoff did not plan again (reads %v)", reads())
			}
			tc.check(t, m, r)
			serverHas(t, m, "Documents/a.txt", "a2, after the first logoff")
		})
	}
}
