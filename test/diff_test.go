package test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDifferentialRandomOps applies one seeded random sequence of operations
// to a directory of the mount and to a plain directory, compares the outcome
// (result and errno) of every operation and, now and then, the whole trees;
// then it logs off and compares the server's copy with the plain directory.
//
// Replay a failure with ROAMFS_SEED=<seed>; ROAMFS_DIFF_OPS changes the length.
func TestDifferentialRandomOps(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ROAMFS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ROAMFS_SEED=%q: %v", s, err)
		}
		seed = v
	}
	nops := 4000
	if s := os.Getenv("ROAMFS_DIFF_OPS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("ROAMFS_DIFF_OPS=%q: %v", s, err)
		}
		nops = v
	}
	t.Logf("seed %d (replay with ROAMFS_SEED=%d), %d operations", seed, seed, nops)

	m := newMachine(t, newServer(t))
	// A random workload deletes most of what the previous session uploaded:
	// that is intended here, not a cache gone wrong.
	m.setPolicy("MassDeletePercent: 100\n")
	m.logon()
	const area = "Documents/diff"
	mountRoot := m.p(area)
	refRoot := filepath.Join(t.TempDir(), "ref")
	for _, d := range []string{mountRoot, refRoot} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), start: time.Now(), held: map[string][]int{}}
	t.Cleanup(g.closeHeld) // before the unmount: an open file would keep the mount busy
	var history []string
	fail := func(format string, args ...any) {
		t.Helper()
		h := history
		if len(h) > 40 {
			h = h[len(h)-40:]
		}
		t.Fatalf("seed %d (replay with ROAMFS_SEED=%d): %s\nlast operations:\n%s",
			seed, seed, fmt.Sprintf(format, args...), strings.Join(h, "\n"))
	}
	compareTrees := func(when string) {
		t.Helper()
		got := snapshot(t, mountRoot, nil)
		want := snapshot(t, refRoot, nil)
		if d := diffTrees(got, want, g.sameAsRef); len(d) > 0 {
			fail("%s: the mount differs from the plain directory:\n%s", when, strings.Join(d, "\n"))
		}
	}
	// logoffAndCheck logs off and checks the server holds the mount's tree:
	// hard links became copies, symlinks stayed symlinks, every file kept its
	// mtime.
	logoffAndCheck := func(when string) tree {
		t.Helper()
		g.closeHeld() // an open file would keep the mount busy
		compareTrees(when)
		inMount := snapshot(t, mountRoot, nil)
		if st := m.status(); st.PendingChanges == 0 && nops >= 100 {
			t.Errorf("%s: status says 0 pending changes", when)
		}
		m.logoff()
		srv := snapshot(t, filepath.Join(m.server, filepath.FromSlash(area)), serverSkip)
		requireSameTree(t, when+": server copy of "+area+" vs the mount before logoff", srv, inMount, sameWithFileMtime)
		for _, p := range srv.paths() {
			if e := srv[p]; e.Kind == "file" && e.Nlink != 1 {
				t.Errorf("%s: server %s has %d links; hard links must reach the server as copies", when, p, e.Nlink)
			}
		}
		if st := m.status(); st.Loaded || st.PendingChanges != 0 {
			t.Errorf("%s: after logoff Loaded=%v PendingChanges=%d, want false and 0", when, st.Loaded, st.PendingChanges)
		}
		return inMount
	}

	counts, oks := map[string]int{}, map[string]int{}
	for i := 1; i <= nops; i++ {
		g.m = loadModel(t, refRoot)
		op := g.next()
		counts[op.name]++
		want := outcome(op.do(refRoot))
		got := outcome(op.do(mountRoot))
		history = append(history, fmt.Sprintf("%5d %s => %s", i, op.desc, want))
		if strings.HasPrefix(want, "ok") {
			oks[op.name]++
		}
		if got != want {
			fail("operation %d %s:\n\tmount: %s\n\tplain: %s", i, op.desc, got, want)
		}
		switch {
		case i == nops/2:
			// A second session on the same cache: its changes now meet
			// files the server already has (deletes, renames, overwrites).
			logoffAndCheck(fmt.Sprintf("logoff after operation %d", i))
			m.logon()
			history = append(history, "      (logoff, logon)")
			compareTrees("after logging on again")
		case i%250 == 0:
			compareTrees(fmt.Sprintf("after operation %d", i))
		}
	}
	var kinds []string
	for k, n := range counts {
		kinds = append(kinds, fmt.Sprintf("%s %d (%d ok)", k, n, oks[k]))
	}
	sort.Strings(kinds)
	t.Logf("operations: %s", strings.Join(kinds, ", "))

	final := logoffAndCheck("final logoff")
	logTreeStats(t, final, g.start)

	// Another machine gets the same tree (as plain copies and symlinks).
	b := newMachine(t, m.server)
	b.logon()
	requireSameTree(t, "second machine's "+area, snapshot(t, b.p(area), nil), withoutEscapingLinks(final, area), sameWithFileMtime)
	b.logoff()
}

func logTreeStats(t *testing.T, tr tree, start time.Time) {
	var files, dirs, links, hard, stamped int
	for _, e := range tr {
		switch e.Kind {
		case "file":
			files++
			if e.Nlink > 1 {
				hard++
			}
			if e.MTime.Before(start) {
				stamped++
			}
		case "dir":
			dirs++
		case "symlink":
			links++
		}
	}
	t.Logf("final tree: %d files (%d hard-linked, %d with an explicit mtime), %d folders, %d symlinks", files, hard, stamped, dirs, links)
}

// sameAsRef compares a path of the mount with the plain directory: every
// attribute but the times, and the mtime too where the test set it
// explicitly (it lies before the test started) and nothing moved it since.
func (g *gen) sameAsRef(_ string, got, want entry) string {
	if why := sameContent(got, want); why != "" {
		return why
	}
	if got.Nlink != want.Nlink {
		return "link count"
	}
	if want.Kind != "symlink" && want.MTime.Before(g.start) && !got.MTime.Equal(want.MTime) {
		return "mtime (set explicitly)"
	}
	return ""
}

// withoutEscapingLinks drops the symlinks of tr (a snapshot of area) whose
// target leads outside the profile: a logon never brings such a link down
// from the server (it could lead the user's programs anywhere on another
// machine; the hostile-server tests pin that), so the second machine lacks
// it by design.
func withoutEscapingLinks(tr tree, area string) tree {
	out := tree{}
	for p, e := range tr {
		if e.Kind == "symlink" {
			full := path.Join(area, p)
			if path.IsAbs(e.Target) || strings.HasPrefix(path.Join(path.Dir(full), e.Target), "..") {
				continue
			}
		}
		out[p] = e
	}
	return out
}
