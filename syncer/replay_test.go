package syncer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"roamfs/store"
)

// killedLogoff builds the same session every time: a profile synced once,
// then a realistic set of changes — new, modified, deleted and renamed files,
// a renamed folder, a new nested folder.
func killedLogoff(t *testing.T) (*machine, string) {
	server := filepath.Join(t.TempDir(), "server")
	m := newMachine(t, "A", server, nil)
	m.logon()
	m.write("Documents/keep.txt", "unchanged")
	m.write("Documents/old.txt", "old contents")
	m.write("Documents/gone.txt", "to be deleted")
	m.write("Documents/Project/a.txt", "project a")
	m.write("Documents/Project/b.txt", "project b")
	m.write("Desktop/move-me.txt", "moving")
	m.logoff()

	m.write("Documents/old.txt", "new contents, longer than before")
	m.write("Documents/new.txt", "brand new")
	m.remove("Documents/gone.txt")
	m.rename("Desktop/move-me.txt", "Documents/moved.txt")
	m.rename("Documents/Project", "Documents/Project 2")
	m.write("Documents/Project 2/c.txt", "project c")
	m.write("Pictures/2026/05/photo.jpg", string(make([]byte, 100_000)))
	m.write("NTUSER.DAT", "hive v2")
	return m, server
}

// TestKilledLogoffEveryStep stops the logoff after its k-th server operation,
// for every k, then runs `sync` (a second Logoff): the server must end as an
// uninterrupted logoff leaves it, with no temporary files, and in between hold
// only whole files.
func TestKilledLogoffEveryStep(t *testing.T) {
	ref, refServer := killedLogoff(t)
	start := ref.server.Ops()
	ref.logoff()
	want := tree(t, refServer)
	total := ref.server.Ops() - start
	t.Logf("a logoff of %d server operations, stopped after each", total)
	if total < 10 {
		t.Fatalf("a realistic logoff should take more than %d server operations", total)
	}
	for k := 0; k < total; k++ {
		m, server := killedLogoff(t)
		old := tree(t, server)
		before := m.server.Ops()
		m.server.FailAfter(before+k, syscall.EIO)
		_, err := m.sy.Logoff(context.Background())
		if !errors.Is(err, syscall.EIO) {
			t.Fatalf("k=%d: logoff error %v, want EIO", k, err)
		}
		if n := m.j.PendingCount(); n == 0 {
			t.Fatalf("k=%d: journal marked synced after a failed logoff", k)
		}
		mid := tree(t, server)
		for p, v := range mid {
			if w, ok := want[p]; ok && v != w && v != "dir" {
				// Either the old whole file or the new whole file.
				if old[p] != v {
					t.Fatalf("k=%d: %s holds %q: neither the old nor the new version", k, p, v)
				}
			}
		}
		m.server.FailAfter(-1, nil)
		// What a process killed inside a Put leaves behind.
		os.WriteFile(filepath.Join(server, "Documents", store.TempPrefix+"killed"), []byte("half"), 0o600)
		m.sy.CleanServerTemps(context.Background())
		m.logoff()
		got := tree(t, server)
		if d := diffTrees(want, got); len(d) > 0 {
			t.Fatalf("k=%d: replay differs from an uninterrupted logoff: %v", k, d)
		}
		if hasTemp(got) {
			t.Fatalf("k=%d: temporary files left on the server", k)
		}
		if n := m.j.PendingCount(); n != 0 {
			t.Fatalf("k=%d: %d records still pending after the replay", k, n)
		}
	}
}

// TestReplayTwiceIsIdempotent: a journal replayed twice (the watermark lost
// after phase 1) gives the same server.
func TestReplayTwiceIsIdempotent(t *testing.T) {
	m, server := killedLogoff(t)
	plan, err := m.sy.PlanLogoff(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.sy.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	first := tree(t, server)
	// Replay the same plan again as if phase 2 had never happened.
	if _, err := m.sy.Apply(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	if d := diffTrees(first, tree(t, server)); len(d) > 0 {
		t.Fatalf("second replay changed the server: %v", d)
	}
}
