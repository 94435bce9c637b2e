package main

// Issue 14, item 8: the live profile's write-back rounds. Two sessions, A
// and B, of one user on one server, with `PSMidSessionWriteBackInterval: 1h`
// so that a round runs only when `roamfs sync --cache DIR` asks for one. Per
// run: a round of A after 100 changes through A's mount; B's round that
// pulls them, while a reader in B's mount does stat + open + read 1 byte of
// small files A did not touch (each file once, so each operation reaches the
// daemon), against the same reader with no round; then an idle round of A.
// The reader is paced (one operation a millisecond), as a desktop's programs
// are, rather than a loop that would take the round's CPU.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

const (
	writebackPace   = time.Millisecond
	writebackMinLat = 500 * time.Millisecond // the no-round reader runs at least this long
	targetRoundFlat = 1.5                    // a round at the largest profile ≤ 1.5× the smallest's
)

type writebackRun struct {
	Idle      float64 // seconds: `roamfs sync --cache A` with nothing to do
	Changed   float64 // seconds: A's round after 100 changes
	Pull      float64 // seconds: B's round pulling them
	LatRound  []float64
	LatNone   []float64
	FreshLeft int // files the reader had not touched yet when the run ended
}

type writebackProfile struct {
	Files int
	Bytes int64
	Runs  []writebackRun
	Err   string `json:",omitempty"`
}

type writebackResult struct {
	FS       string
	Changes  int
	Profiles []*writebackProfile
	Err      string `json:",omitempty"`
}

func (h *harness) writebackSizes() []int {
	if h.cfg.quick {
		return []int{10000}
	}
	return []int{10000, 100000}
}

func (h *harness) benchWriteback(ctx context.Context) *writebackResult {
	sizes := h.writebackSizes()
	base, fs, scratch := h.sectionScratch(ctx, "writeback", sizes)
	res := &writebackResult{FS: fs, Changes: h.cfg.changes}
	policy, err := writePolicy(filepath.Join(h.work, "writeback.yaml"), "PSMidSessionWriteBackInterval: 1h")
	if err != nil {
		res.Err = err.Error()
		return res
	}
	for _, n := range sizes {
		if ctx.Err() != nil {
			break
		}
		res.Profiles = append(res.Profiles, h.writebackProfile(ctx, base, n, policy))
	}
	if scratch != nil {
		if err := h.unmountScratch(scratch); err != nil {
			h.logf("writeback: %v", err)
		}
	}
	return res
}

func (h *harness) writebackProfile(ctx context.Context, base string, n int, policy string) *writebackProfile {
	res := &writebackProfile{Files: n}
	dir := func(name string) string { return filepath.Join(base, fmt.Sprintf("w%d-%s", n, name)) }
	server := dir("server")
	defer func() {
		for _, d := range []string{"server", "cacheA", "cacheB"} {
			h.safeRemoveAll(dir(d))
		}
	}()
	h.logf("writeback %d: generating the server copy", n)
	info, err := generateProfile(ctx, server, n, h.cfg.seed)
	if err != nil {
		res.Err = fmt.Sprintf("generate: %v", err)
		return res
	}
	res.Files, res.Bytes = info.Files, info.Bytes
	// A changes files of the first half; B's reader reads the second half's
	// small files, which no round replaces.
	half := len(info.paths) / 2
	changeable := append([]string(nil), info.paths[:half]...)
	fresh := pickSmall(server, info.paths[half:], len(info.paths), smallMax)
	if len(fresh) == 0 {
		res.Err = errNoFiles.Error()
		return res
	}
	sessions := map[string]*mount{}
	defer func() {
		for _, m := range sessions {
			h.logoff(context.Background(), m)
		}
	}()
	for _, s := range []string{"A", "B"} {
		h.logf("writeback %d: logon %s and its background fill", n, s)
		cache, mnt := dir("cache"+s), filepath.Join(h.work, fmt.Sprintf("w%d-mnt%s", n, s))
		m, _, err := h.logonPolicy(ctx, server, cache, mnt, policy)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		sessions[s] = m
		if _, err := h.waitFilled(ctx, cache, streamedFillMax); err != nil {
			res.Err = err.Error()
			return res
		}
	}
	a, b := sessions["A"], sessions["B"]
	// A first round each, untimed: whatever a logon leaves for the first one.
	for _, m := range []*mount{a, b} {
		if _, err := h.syncSession(ctx, m.cache); err != nil {
			res.Err = err.Error()
			return res
		}
	}
	per := len(fresh) / (2 * h.cfg.runs)
	if per == 0 {
		res.Err = errNoFiles.Error()
		return res
	}
	for run := 0; run < h.cfg.runs && ctx.Err() == nil; run++ {
		h.logf("writeback %d: run %d/%d", n, run+1, h.cfg.runs)
		var r writebackRun
		rng := rand.New(rand.NewPCG(h.cfg.seed, uint64(run)+2000))
		changeable, _, err = changeFiles(a.dir, changeable, h.cfg.changes, run+100, rng)
		if err != nil {
			res.Err = fmt.Sprintf("change files through A's mount: %v", err)
			return res
		}
		if r.Changed, err = h.syncSession(ctx, a.cache); err != nil {
			res.Err = err.Error()
			return res
		}
		roundFiles := fresh[2*run*per : (2*run+1)*per]
		noneFiles := fresh[(2*run+1)*per : (2*run+2)*per]
		var pullErr error
		r.LatRound, r.FreshLeft = paceReads(b.dir, roundFiles, func() { r.Pull, pullErr = h.syncSession(ctx, b.cache) })
		if pullErr != nil {
			res.Err = pullErr.Error()
			return res
		}
		d := max(time.Duration(r.Pull*float64(time.Second)), writebackMinLat)
		var left int
		r.LatNone, left = paceReads(b.dir, noneFiles, func() { time.Sleep(d) })
		r.FreshLeft = min(r.FreshLeft, left)
		if r.Idle, err = h.syncSession(ctx, a.cache); err != nil {
			res.Err = err.Error()
			return res
		}
		lr, ln := sample(r.LatRound), sample(r.LatNone)
		h.logf("writeback %d: idle round %.3f s, round with %d changes %.3f s, B's pull %.3f s; B's reads during it p50 %.0f µs p99 %.0f µs (%d), without p50 %.0f µs p99 %.0f µs (%d)",
			n, r.Idle, h.cfg.changes, r.Changed, r.Pull, lr.median()*1e6, percentile(lr, 99)*1e6, len(lr), ln.median()*1e6, percentile(ln, 99)*1e6, len(ln))
		res.Runs = append(res.Runs, r)
	}
	return res
}

// paceReads runs work and, while it runs, does stat + open + read 1 byte of
// files under mnt one every writebackPace, each file once (then around
// again). It returns each operation's latency in seconds and how many files
// were left untouched.
func paceReads(mnt string, files []string, work func()) ([]float64, int) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var lat []float64
	i := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(writebackPace)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			p := filepath.Join(mnt, files[i%len(files)])
			i++
			start := time.Now()
			if _, err := os.Stat(p); err == nil {
				readOneByte(p)
			}
			lat = append(lat, time.Since(start).Seconds())
		}
	}()
	work()
	close(done)
	wg.Wait()
	return lat, max(0, len(files)-i)
}

// percentile is the p-th percentile (nearest rank); NaN for no values.
func percentile(s sample, p float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := s.sorted()
	k := int(math.Ceil(p/100*float64(len(c)))) - 1
	return c[max(0, min(k, len(c)-1))]
}

func (r *report) writeback(w *writebackResult) {
	r.f("\n## 8. Live profile: write-back rounds (issue 14)\n\n")
	r.f("On %s. Sessions A and B of one user on one server, policy `PSMidSessionWriteBackInterval: 1h` (rounds only when `roamfs sync --cache DIR` asks), both filled. "+
		"Per run: %d changes through A's mount (80%% rewrites, 10%% new, 10%% deleted), A's round timed; B's round that pulls them, while a reader in B's mount "+
		"does stat + open + read 1 byte of small files A did not touch, one a millisecond, each file once; the same reader with no round, as long; then an idle round of A. "+
		"Latencies pooled over the runs.\n\n", w.FS, w.Changes)
	r.header("profile", "idle round (s)", fmt.Sprintf("round, %d changes (s)", w.Changes), "B's pull round (s)", "reads during a round p50 / p99 (µs)", "no round p50 / p99 (µs)", "p99 round / none")
	var idles, changed []sample
	for _, p := range w.Profiles {
		var idle, ch, pull, lr, ln sample
		for _, x := range p.Runs {
			idle, ch, pull = append(idle, x.Idle), append(ch, x.Changed), append(pull, x.Pull)
			lr, ln = append(lr, x.LatRound...), append(ln, x.LatNone...)
		}
		idles, changed = append(idles, idle), append(changed, ch)
		us := func(s sample) string {
			return fmt.Sprintf("%s / %s (%d ops)", num(s.median()*1e6), num(percentile(s, 99)*1e6), len(s))
		}
		ratio := "—"
		if len(lr) > 0 && len(ln) > 0 {
			ratio = num(percentile(lr, 99)/percentile(ln, 99)) + "×"
		}
		r.row(fmt.Sprintf("%s files, %s", commas(int64(p.Files)), size(p.Bytes)), idle.spread(), ch.spread(), pull.spread(), us(lr), us(ln), ratio)
		if p.Err != "" {
			r.f("\n**ERROR** (%s files): %s\n\n", commas(int64(p.Files)), p.Err)
		}
	}
	if n := len(w.Profiles); n >= 2 && len(idles[0]) > 0 && len(idles[n-1]) > 0 {
		a, b := w.Profiles[0], w.Profiles[n-1]
		fi := idles[n-1].median() / idles[0].median()
		fc := changed[n-1].median() / changed[0].median()
		r.f("\n")
		r.header("goal", "measured", "target", "result")
		r.row(fmt.Sprintf("idle round %s / %s files", commas(int64(b.Files)), commas(int64(a.Files))), num(fi)+"×", fmt.Sprintf("≤ %.1f×", targetRoundFlat),
			r.verdict(fi, targetRoundFlat, false, fmt.Sprintf("an idle round took %.3f s at %s files, %.3f s at %s.", idles[n-1].median(), commas(int64(b.Files)), idles[0].median(), commas(int64(a.Files)))))
		r.row(fmt.Sprintf("round with %d changes %s / %s files", w.Changes, commas(int64(b.Files)), commas(int64(a.Files))), num(fc)+"×", fmt.Sprintf("≤ %.1f×", targetRoundFlat),
			r.verdict(fc, targetRoundFlat, false, fmt.Sprintf("a round with %d changes took %.3f s at %s files, %.3f s at %s.", w.Changes, changed[n-1].median(), commas(int64(b.Files)), changed[0].median(), commas(int64(a.Files)))))
	}
	errLine(r, w.Err)
}

func (w *writebackResult) failed() bool {
	for _, p := range w.Profiles {
		if p.Err != "" {
			return true
		}
	}
	return w.Err != ""
}
