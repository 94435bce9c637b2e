package test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRandomThreeMachinesStayingLoggedOn is the random three-machine test
// with the live profile (issue 14): the machines mostly stay logged on,
// write back every 300 ms on their own (PSMidSessionWriteBackInterval), so
// rounds land between and during the steps (which pause now and then), and
// at random moments when asked (`roamfs sync --cache`, the step "sync"),
// and pull what the others wrote back into their live mounts. Then, still
// logged on, each machine syncs in turn until a whole pass changes nothing:
// every mount must then show exactly the server's profile. After that the
// same checks as the logged-off test: nothing newest lost, each machine's
// next session sees the server and changes nothing.
//
// The background rounds make a run's timing, not only its seed, part of what
// happens; a failing seed replays the same steps, not the same rounds.
// ROAMFS_SEED, ROAMFS_RANDOM_STEPS and ROAMFS_RANDOM_SEEDS as for
// TestRandomThreeMachinesThroughMounts.
func TestRandomThreeMachinesStayingLoggedOn(t *testing.T) {
	scRandomRuns(t, 80, 2, ", machines staying logged on", scPlayRandomLive)
}

// scLivePolicy: rounds every 300 ms, so many happen during a run.
const scLivePolicy = "PSMidSessionWriteBackInterval: 300ms\n"

func scPlayRandomLive(t *testing.T, seed uint64, steps int) {
	r := newScRandom(t, seed, scLivePolicy)
	r.trace = append(r.trace, "policy "+strings.TrimSpace(scLivePolicy))
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	defer r.traceOnFailure()
	for range steps {
		i := rng.IntN(len(r.ms))
		p := scRandomPaths[rng.IntN(len(scRandomPaths))]
		switch {
		case !r.on[i]:
			r.logon(i)
		case rng.IntN(20) == 0:
			r.logoff(i)
		case rng.IntN(4) == 0:
			r.sync(i)
		case rng.IntN(6) == 0:
			d := time.Duration(rng.IntN(400)) * time.Millisecond
			r.trace = append(r.trace, fmt.Sprintf("# %s passes", d))
			time.Sleep(d) // background rounds run meanwhile
		case rng.IntN(4) == 0:
			r.remove(i, p)
		default:
			r.write(i, p)
		}
	}
	r.settleLoggedOn()
	for i := range r.ms {
		if r.on[i] {
			r.logoff(i)
		}
	}
	r.checkNewest()
	r.checkConverged()
}

// sync asks machine i's running session for a write-back round now.
func (r *scRandom) sync(i int) syncResult {
	r.t.Helper()
	out, err := roamfs("sync", "--json", "--cache", r.ms[i].cache)
	var res syncResult
	if jerr := json.Unmarshal([]byte(out.stdout), &res); err != nil || jerr != nil || !res.OK {
		r.fatalf("sync %s: %v, printed %q %q", r.names[i], err, out.stdout, out.stderr)
	}
	r.trace = append(r.trace, fmt.Sprintf("sync %s   # uploaded %d, deleted %d, kept %d, conflicts %d",
		r.names[i], res.Uploaded, res.Deleted, res.Kept, res.Conflicts))
	return res
}

// settleLoggedOn logs on whoever is logged off, then lets every machine sync
// in turn until a whole pass uploads, deletes and conflicts nothing and every
// mount shows the server's profile; a pull happens in the same round as the
// write-back, so a machine's next round after the last upload brings it up
// to date.
func (r *scRandom) settleLoggedOn() {
	r.t.Helper()
	for i := range r.ms {
		if !r.on[i] {
			r.logon(i)
		}
	}
	r.trace = append(r.trace, "# all logged on: each machine syncs in turn until nothing changes")
	const passes = 5
	var diffs []string
	for pass := 1; pass <= passes; pass++ {
		quiet := true
		for i := range r.ms {
			res := r.sync(i)
			quiet = quiet && res.Uploaded+res.Deleted+res.Conflicts == 0
		}
		if !quiet {
			continue
		}
		server := snapshot(r.t, r.server, serverSkip)
		diffs = nil
		for i, m := range r.ms {
			inMount := snapshot(r.t, m.mnt, nil).without(nonroamingDefaults)
			for _, d := range diffTrees(inMount, server, func(_ string, g, w entry) string { return sameContent(g, w) }) {
				diffs = append(diffs, r.names[i]+": "+d)
			}
		}
		if len(diffs) == 0 {
			return
		}
	}
	if diffs == nil {
		r.fatalf("after %d passes of syncs on every machine, rounds still upload, delete or conflict", passes)
	}
	r.fatalf("logged-on machines do not agree with the server after %d passes of syncs:\n%s", passes, strings.Join(diffs, "\n"))
}

// scSeeds are def new seeds, or the one ROAMFS_SEED names; ROAMFS_RANDOM_SEEDS
// changes how many.
func scSeeds(t *testing.T, def int) []uint64 {
	if s := os.Getenv("ROAMFS_SEED"); s != "" {
		var v uint64
		if _, err := fmt.Sscan(s, &v); err != nil {
			t.Fatalf("ROAMFS_SEED=%q: %v", s, err)
		}
		return []uint64{v}
	}
	base := rand.Uint64()
	var seeds []uint64
	for i := range scEnvInt(t, "ROAMFS_RANDOM_SEEDS", def) {
		seeds = append(seeds, base+uint64(i))
	}
	return seeds
}
