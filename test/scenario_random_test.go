package test

import (
	"errors"
	"fmt"
	"io/fs"
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

// TestRandomThreeMachinesThroughMounts is syncer's TestRandomThreeMachines
// through the built binary and real mounts: three machines over one server,
// random interleavings of logons, writes (distinct contents, strictly
// increasing explicit mtimes from one shared clock), deletes and logoffs over
// a few paths. After everyone has logged off, the newest version written
// anywhere of every path is on the server at that path or in a conflict copy
// of it, unless a machine deleted that very version (it was in its cache
// when it deleted it). Then every machine logs on and off once more in turn:
// each must see exactly the server's profile, and those sessions, which
// change nothing, must leave the server as it was.
//
// Each run takes new seeds and logs them; ROAMFS_SEED=<seed> replays one,
// ROAMFS_RANDOM_STEPS=<n> changes the length and ROAMFS_RANDOM_SEEDS=<n> the
// number of seeds. A failure prints the steps as a scenario script, to keep
// as a story in testdata/scenarios.
func TestRandomThreeMachinesThroughMounts(t *testing.T) {
	scRandomRuns(t, 40, 4, "", scPlayRandom)
}

// scRandomRuns plays play for each seed (scSeeds) with the steps
// ROAMFS_RANDOM_STEPS asks for (default defSteps), each as a subtest.
func scRandomRuns(t *testing.T, defSteps, defSeeds int, what string, play func(t *testing.T, seed uint64, steps int)) {
	steps := scEnvInt(t, "ROAMFS_RANDOM_STEPS", defSteps)
	if steps > 1400 {
		t.Fatalf("ROAMFS_RANDOM_STEPS=%d: at most 1400, the shared clock is one day of minutes", steps)
	}
	for _, seed := range scSeeds(t, defSeeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d (replay with ROAMFS_SEED=%d), %d steps%s", seed, seed, steps, what)
			play(t, seed, steps)
		})
	}
}

func scEnvInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		t.Fatalf("%s=%q: want a count", name, s)
	}
	return v
}

// scRandomPaths are the paths the random test writes and deletes: in
// default folders, in a folder of its own, and at the profile root.
var scRandomPaths = []string{"Documents/a.txt", "Documents/b.txt", "Desktop/c.txt", "Documents/sub/d.txt", "e.txt"}

type scRandom struct {
	t      *testing.T
	seed   uint64
	server string
	ms     []*machine
	names  []string
	on     []bool
	trace  []string // the steps as a scenario script
	traced bool     // the trace is in the failure message
	clock  time.Time
	n      int
	newest map[string]scVersion // path → newest version written anywhere
	gone   map[string]bool      // contents a machine deleted knowingly
}

type scVersion struct {
	content string
	at      time.Time
}

func scPlayRandom(t *testing.T, seed uint64, steps int) {
	r := newScRandom(t, seed, "")
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	defer r.traceOnFailure()
	for range steps {
		i := rng.IntN(len(r.ms))
		p := scRandomPaths[rng.IntN(len(scRandomPaths))]
		switch {
		case !r.on[i]:
			r.logon(i)
		case rng.IntN(6) == 0:
			r.logoff(i)
		case rng.IntN(4) == 0:
			r.remove(i, p)
		default:
			r.write(i, p)
		}
	}
	for i := range r.ms {
		if r.on[i] {
			r.logoff(i)
		}
	}
	r.checkNewest()
	r.checkConverged()
}

// newScRandom is three fresh machines over one new server, each with the
// given policy ("" for none).
func newScRandom(t *testing.T, seed uint64, policy string) *scRandom {
	r := &scRandom{t: t, seed: seed, server: newServer(t), names: []string{"A", "B", "C"},
		clock: scDay, newest: map[string]scVersion{}, gone: map[string]bool{}}
	for range r.names {
		m := newMachine(t, r.server)
		if policy != "" {
			m.setPolicy(policy)
		}
		r.ms = append(r.ms, m)
	}
	r.on = make([]bool, len(r.ms))
	return r
}

// traceOnFailure logs the steps of a failed run that did not fail through
// fatalf (a logoff that failed inside the harness has no trace yet).
func (r *scRandom) traceOnFailure() {
	if r.t.Failed() && !r.traced {
		r.t.Logf("seed %d (replay with ROAMFS_SEED=%d): steps, as a scenario:\n%s", r.seed, r.seed, strings.Join(r.trace, "\n"))
	}
}

// fatalf fails with the steps so far, written as a scenario script: pasted
// into testdata/scenarios/NAME.txt they replay the run as a story.
func (r *scRandom) fatalf(format string, args ...any) {
	r.t.Helper()
	r.traced = true
	r.t.Fatalf("seed %d (replay with ROAMFS_SEED=%d): %s\nsteps, as a scenario:\n%s", r.seed, r.seed,
		fmt.Sprintf(format, args...), strings.Join(r.trace, "\n"))
}

func (r *scRandom) logon(i int) {
	r.trace = append(r.trace, "logon "+r.names[i])
	r.ms[i].logon()
	r.on[i] = true
}

func (r *scRandom) logoff(i int) {
	res := r.ms[i].logoff()
	r.trace = append(r.trace, fmt.Sprintf("logoff %s   # uploaded %d, deleted %d, kept %d, conflicts %d",
		r.names[i], res.Uploaded, res.Deleted, res.Kept, res.Conflicts))
	r.on[i] = false
}

func (r *scRandom) write(i int, p string) {
	r.n++
	r.clock = r.clock.Add(time.Minute)
	c := fmt.Sprintf("%s wrote %s #%d", r.names[i], p, r.n)
	r.trace = append(r.trace, fmt.Sprintf("write %s %s %q @%s", r.names[i], p, c, r.clock.Format("15:04")))
	full := r.ms[i].p(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		r.fatalf("%v", err)
	}
	if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
		r.fatalf("%v", err)
	}
	if err := os.Chtimes(full, r.clock, r.clock); err != nil {
		r.fatalf("%v", err)
	}
	r.newest[p] = scVersion{c, r.clock}
}

// remove deletes p if this machine's cache has it, noting which version it
// deleted on purpose.
func (r *scRandom) remove(i int, p string) {
	full := r.ms[i].p(p)
	data, err := os.ReadFile(full)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		r.fatalf("read %s on %s: %v", p, r.names[i], err)
	}
	r.trace = append(r.trace, fmt.Sprintf("rm %s %s   # held %q", r.names[i], p, data))
	r.gone[string(data)] = true
	if err := os.Remove(full); err != nil {
		r.fatalf("%v", err)
	}
}

// serverFiles maps the server's file paths to their contents.
func (r *scRandom) serverFiles() map[string]string {
	out := map[string]string{}
	for p, e := range snapshot(r.t, r.server, serverSkip) {
		if e.Kind != "file" || p == "NTUSER.DAT" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(r.server, filepath.FromSlash(p)))
		if err != nil {
			r.fatalf("%v", err)
		}
		out[p] = string(data)
	}
	return out
}

func (r *scRandom) checkNewest() {
	r.t.Helper()
	got := r.serverFiles()
	var lost []string
	for p, v := range r.newest {
		if r.gone[v.content] || got[p] == v.content || scInConflictCopy(got, p, v.content) {
			continue
		}
		lost = append(lost, fmt.Sprintf("%s: newest version %q (%s) lost; server holds %q", p, v.content, v.at.Format("15:04"), got[p]))
	}
	for p := range got {
		if strings.HasPrefix(path.Base(p), ".roamfs-tmp-") { // store.TempPrefix
			lost = append(lost, "temporary file left on the server: "+p)
		}
	}
	if len(lost) > 0 {
		sort.Strings(lost)
		r.fatalf("%s\nserver files: %q", strings.Join(lost, "\n"), got)
	}
}

// scInConflictCopy reports whether tr holds content in a conflict copy of p.
func scInConflictCopy(tr map[string]string, p, content string) bool {
	ext := path.Ext(p)
	stem := strings.TrimSuffix(p, ext) + " (conflict "
	for k, v := range tr {
		if strings.HasPrefix(k, stem) && strings.HasSuffix(k, ")"+ext) && v == content {
			return true
		}
	}
	return false
}

// checkConverged logs each machine on and off in turn: each mount must show
// the server's profile, and the server must not change.
func (r *scRandom) checkConverged() {
	r.t.Helper()
	r.trace = append(r.trace, "# everyone logged off; each machine logs on and off once more")
	before := snapshot(r.t, r.server, serverSkip)
	for i, m := range r.ms {
		r.logon(i)
		inMount := snapshot(r.t, m.mnt, nil).without(nonroamingDefaults)
		if d := diffTrees(inMount, before, func(_ string, g, w entry) string { return sameContent(g, w) }); len(d) > 0 {
			r.fatalf("after logon %s the mount differs from the server:\n%s", r.names[i], strings.Join(d, "\n"))
		}
		r.logoff(i)
	}
	after := snapshot(r.t, r.server, serverSkip)
	if d := diffTrees(after, before, sameWithFileMtime); len(d) > 0 {
		r.fatalf("sessions that changed nothing changed the server:\n%s", strings.Join(d, "\n"))
	}
}
