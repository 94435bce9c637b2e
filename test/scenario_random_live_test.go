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

// roundResult is `roamfs sync --json` of a running session: a write-back
// round and the pull of what the others wrote back.
type roundResult struct {
	syncResult
	Pull struct {
		Looked   bool `json:"looked"`
		Replaced int  `json:"replaced"`
		Created  int  `json:"created"`
		Deleted  int  `json:"deleted"`
	} `json:"pull"`
}

// changed reports whether the round changed the server or the cache, or
// found the server changed.
func (res roundResult) changed() bool {
	return res.Uploaded+res.Deleted+res.Conflicts+res.Pull.Replaced+res.Pull.Created+res.Pull.Deleted > 0 || res.Pull.Looked
}

// sync asks machine i's running session for a write-back round now.
func (r *scRandom) sync(i int) roundResult {
	r.t.Helper()
	out, err := roamfs("sync", "--json", "--cache", r.ms[i].cache)
	var res roundResult
	if jerr := json.Unmarshal([]byte(out.stdout), &res); err != nil || jerr != nil || !res.OK {
		r.fatalf("sync %s: %v, printed %q %q", r.names[i], err, out.stdout, out.stderr)
	}
	pulled := ""
	if p := res.Pull; p.Looked {
		pulled = fmt.Sprintf("; pulled: replaced %d, created %d, deleted %d", p.Replaced, p.Created, p.Deleted)
	}
	r.trace = append(r.trace, fmt.Sprintf("sync %s   # uploaded %d, deleted %d, kept %d, conflicts %d%s",
		r.names[i], res.Uploaded, res.Deleted, res.Kept, res.Conflicts, pulled))
	return res
}

// settleLoggedOn logs on whoever is logged off, then lets every machine sync
// in turn until a whole pass changes nothing and every mount shows the
// server's profile; a pull happens in the same round as the write-back, so a
// machine's next round after the last upload brings it up to date.
func (r *scRandom) settleLoggedOn() {
	r.t.Helper()
	for i := range r.ms {
		if !r.on[i] {
			r.logon(i)
		}
	}
	r.trace = append(r.trace, "# all logged on: each machine syncs in turn until nothing changes")
	// A pass is quiet when no round uploaded, deleted, made a conflict copy,
	// pulled or even found the server changed. Rounds on a directory server
	// can need a few passes: one that raced another's (no compare-and-swap)
	// leaves the index stale, the next rewrites it, and the others pull
	// after that. The background rounds (every 300 ms) keep running, so a
	// mount may still change under a snapshot taken after a quiet pass that
	// only looked quiet: such a snapshot is another pass, not a failure.
	const passes = 8
	var diffs []string
	for pass := 1; pass <= passes; pass++ {
		diffs = nil // only the last pass's, in the failure message
		quiet := true
		for i := range r.ms {
			quiet = !r.sync(i).changed() && quiet
		}
		if !quiet {
			continue
		}
		server, err := snapshotOf(r.server, serverSkip)
		if err != nil {
			diffs = append(diffs, "server: "+err.Error())
			continue
		}
		for i, m := range r.ms {
			got, err := snapshotOf(m.mnt, nil)
			if err != nil {
				diffs = append(diffs, r.names[i]+": "+err.Error())
				continue
			}
			inMount := got.without(nonroamingDefaults)
			for _, d := range diffTrees(inMount, server, func(_ string, g, w entry) string { return sameContent(g, w) }) {
				diffs = append(diffs, r.names[i]+": "+d)
			}
		}
		if len(diffs) == 0 {
			return
		}
	}
	if diffs == nil {
		r.fatalf("after %d passes of syncs on every machine, the last pass still uploaded, deleted, made a conflict copy or pulled (the trace shows which)", passes)
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
