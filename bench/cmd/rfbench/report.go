package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// The targets issue 8 sets, in one place.
const (
	targetDataRatio   = 0.9  // roamfs ≥ 0.9× loopback throughput
	targetMetaRatio   = 0.7  // roamfs ≥ 0.7× loopback rate, journal durable
	targetRestatRatio = 5    // issue 12: stat of a known file ≥ 5× the loopback (long kernel timeouts)
	targetFlat        = 1.5  // logoff time at the largest profile ≤ 1.5× the smallest's ("flat")
	targetLogoffSpeed = 10.0 // rsync time ≥ 10× roamfs logoff at the largest profile
	targetLogonSpeed  = 1.0  // roamfs first logon no slower than rsync
	targetRSS         = 100e6
	targetRecords     = 2.0 // logoff after the most operations ≤ 2× the logoff after the fewest (10× fewer)
	targetSMBLogon    = 1.0 // issue 16: roamfs first logon through SMB ≤ 1.0× smbclient's recursive get
	targetSMBLogoff   = 10  // issue 16: smbclient's full recursive put ≥ 10× roamfs logoff
)

// report collects the markdown and the verdicts as it goes.
type report struct {
	b     strings.Builder
	pass  int
	miss  int
	whys  []string
	res   *results
	jrate float64 // the journal's 1-writer durable rate, for the metadata "why"
}

func (r *report) f(format string, args ...any) { fmt.Fprintf(&r.b, format, args...) }

func (r *report) row(cells ...string) { r.f("| %s |\n", strings.Join(cells, " | ")) }

func (r *report) header(cells ...string) {
	r.row(cells...)
	seps := make([]string, len(cells))
	for i := range seps {
		seps[i] = "---"
	}
	r.row(seps...)
}

// verdict is PASS or MISS for a measured value against a bound; with
// atLeast false the value must stay at or under it. A MISS records why.
func (r *report) verdict(v, bound float64, atLeast bool, why string) string {
	if math.IsNaN(v) {
		return "—"
	}
	if (atLeast && v >= bound) || (!atLeast && v <= bound) {
		r.pass++
		return "PASS"
	}
	r.miss++
	if why != "" {
		r.whys = append(r.whys, why)
	}
	return "**MISS**"
}

func renderReport(res *results) string {
	r := &report{res: res}
	if res.Journal != nil {
		r.jrate = sample(res.Journal.RecPerSec[1]).median()
	}
	r.machine()
	if res.Data != nil {
		r.data(res.Data)
	}
	if res.Meta != nil {
		r.meta(res.Meta)
	}
	if res.MetaOps != nil {
		r.metaOps(res.MetaOps)
	}
	if res.Profiles != nil && len(res.Profiles.Profiles) > 0 {
		r.f("\n§3 and §4 run on %s.\n", res.Profiles.FS)
		r.logoff(res.Profiles.Profiles)
		r.logon(res.Profiles.Profiles)
	}
	if res.Journal != nil || res.Meta != nil || res.Profiles != nil || res.Records != nil {
		r.journal()
	}
	if res.Records != nil {
		r.records(res.Records)
	}
	if res.SMB != nil {
		r.smb(res.SMB)
	}
	if res.Streamed != nil {
		r.streamed(res.Streamed)
	}
	if res.Rounds != nil {
		r.writeback(res.Rounds)
	}
	r.f("\n**%d PASS, %d MISS**\n", r.pass, r.miss)
	if len(r.whys) > 0 {
		r.f("\nWhy the misses:\n")
		for _, w := range r.whys {
			r.f("- %s\n", w)
		}
	}
	return r.b.String()
}

func (r *report) machine() {
	res, m := r.res, r.res.Machine
	r.f("# roamfs benchmark (%s), %s\n\n", res.Mode, res.Started.UTC().Format("2006-01-02 15:04 UTC"))
	r.header("machine", "")
	r.row("CPU", fmt.Sprintf("%s, %d cores", m.CPU, m.Cores))
	r.row("memory", m.Memory)
	r.row("kernel", m.Kernel)
	r.row("file system of the temp dir", m.TempFS)
	tools := []string{m.Go}
	if m.Fio != "" {
		tools = append(tools, m.Fio)
	} else {
		tools = append(tools, "no fio (Go random I/O)")
	}
	r.row("tools", strings.Join(append(tools, m.Rsync), ", "))
	r.row("roamfs", "commit "+m.Commit)
	r.row("noise", fmt.Sprintf("load average %s before, %s after; %d other FUSE mounts at start", m.LoadBefore, m.LoadAfter, m.ForeignFUSE))
	r.row("method", fmt.Sprintf("%d runs; each figure median (min–max); each ratio taken within a run, then its median (min–max); targets rotated between runs; "+
		"every measured tree in a fresh directory of a work dir marked chattr +T", res.Runs))
	r.row("took", (time.Duration(res.Seconds) * time.Second).String())
}

func errLine(r *report, err string) bool {
	if err != "" {
		r.f("\n**ERROR**: %s\n", err)
		return true
	}
	return false
}

// compare writes one row per measurement: a value per target, the FUSE
// targets against native, roamfs against the loopback, and the verdict.
func (r *report) compare(targets []string, rows []string, get func(t string, row int) sample, bound func(row int) float64, why func(row int, v float64) string) {
	hdr := []string{"measurement"}
	hdr = append(hdr, targets...)
	for _, t := range targets[1:] {
		hdr = append(hdr, t+" / native")
	}
	hdr = append(hdr, "**roamfs / loopback**", "target", "result")
	r.header(hdr...)
	for i, name := range rows {
		cells := []string{name}
		for _, t := range targets {
			cells = append(cells, get(t, i).spread())
		}
		for _, t := range targets[1:] {
			cells = append(cells, ratios(get(t, i), get(tNative, i)).ratioSpread())
		}
		rr := ratios(get(tRoamfs, i), get(tLoopback, i))
		v := rr.median()
		cells = append(cells, "**"+rr.ratioSpread()+"**", fmt.Sprintf("≥ %.1f×", bound(i)), r.verdict(v, bound(i), true, why(i, v)))
		r.row(cells...)
	}
}

func (r *report) data(d *dataResult) {
	r.f("\n## 1. Data path\n\n")
	if len(d.Runs[tRoamfs]) == 0 {
		errLine(r, d.Err)
		return
	}
	seq := d.Runs[tNative][0].SeqBytes
	r.f("One thread. Sequential: create, write %s in 1 MiB writes, fsync, close; drop caches; read it whole (cold). "+
		"Random: 4 KiB psync reads, then writes, for %.0f s each on a %s file just written (page cache warm), with %s. "+
		"Everything in a Documents folder.\n\n", size(seq), r.res.Config["rand_seconds"], size(toInt64(r.res.Config["rand_bytes"])), d.Tool)
	rows := []string{"sequential write", "sequential read, cold", "random read 4 KiB", "random write 4 KiB"}
	units := []string{"MiB/s", "MiB/s", "IOPS", "IOPS"}
	get := func(t string, row int) sample {
		var s sample
		for _, x := range d.Runs[t] {
			s = append(s, [...]float64{x.SeqWrite, x.SeqRead, x.RandRead, x.RandWrite}[row])
		}
		return s
	}
	pt := passthroughNote(d)
	why := func(row int, v float64) string {
		return fmt.Sprintf("%s: roamfs at %.2f× the loopback. %s", rows[row], v, pt[tRoamfs])
	}
	labels := make([]string, len(rows))
	for i := range rows {
		labels[i] = rows[i] + " (" + units[i] + ")"
	}
	r.compare(d.Targets, labels, get, func(int) float64 { return targetDataRatio }, why)
	r.f("\nKernel passthrough (judged from the bytes each daemon itself read and wrote during the sequential pair), " +
		"and the FUSE requests each daemon answered per random 4 KiB read / write (its replies to /dev/fuse per operation):\n")
	for _, t := range d.Targets {
		if n, ok := pt[t]; ok {
			var rq, wq sample
			for _, x := range d.Runs[t] {
				rq, wq = append(rq, x.ReadReqs), append(wq, x.WriteReqs)
			}
			r.f("- %s: %s; %s / %s requests per random read / write\n", t, n, num(rq.median()), num(wq.median()))
		}
	}
	errLine(r, d.Err)
}

// passthroughNote says, per FUSE target, whether its daemon stayed out of
// the data path: with passthrough it moves almost nothing itself.
func passthroughNote(d *dataResult) map[string]string {
	out := map[string]string{}
	for _, t := range d.Targets {
		if t == tNative || len(d.Runs[t]) == 0 {
			continue
		}
		var moved sample
		for _, x := range d.Runs[t] {
			moved = append(moved, float64(x.DaemonBytes))
		}
		io := 2 * float64(d.Runs[t][0].SeqBytes)
		verdict := "**passthrough in effect**"
		if moved.max() > io/10 {
			verdict = "**no passthrough**: the daemon carried the data"
		}
		out[t] = fmt.Sprintf("%s (the daemon moved %s MiB itself for %s MiB written and read)", verdict, num(moved.median()/(1<<20)), num(io/(1<<20)))
	}
	return out
}

func (r *report) meta(m *metaResult) {
	r.f("\n## 2. Metadata\n\n")
	if len(m.Runs[tRoamfs]) == 0 {
		errLine(r, m.Err)
		return
	}
	r.f("One thread, %s files in one folder under Documents: create + write 4 KiB + close each, then stat (lstat) each, stat each again %v later (restat: past the loopback's 1 s attribute timeout), rename each, unlink each. "+
		"roamfs journals every operation durably (fsynced before it is acknowledged).\n\n", commas(int64(m.Files)), restatPause)
	get := func(t string, row int) sample {
		var s sample
		for _, x := range m.Runs[t] {
			s = append(s, x.Rate[metaPhases[row]])
		}
		return s
	}
	recs := map[string]sample{}
	var logoff sample
	for _, x := range m.Runs[tRoamfs] {
		for op, n := range x.Records {
			recs[op] = append(recs[op], float64(n))
		}
		logoff = append(logoff, x.Logoff)
	}
	createRecs := (recs["create"].median() + recs["write"].median()) / float64(m.Files)
	why := func(row int, v float64) string {
		p := metaPhases[row]
		w := fmt.Sprintf("%s: roamfs at %.2f× the loopback.", p, v)
		perFile := map[string]float64{"create": createRecs, "rename": recs["rename"].median() / float64(m.Files), "unlink": recs["unlink"].median() / float64(m.Files)}[p]
		if perFile > 0 && r.jrate > 0 {
			phase := float64(m.Files) / get(tRoamfs, row).median()
			j := float64(m.Files) * perFile / r.jrate
			w += fmt.Sprintf(" It journals %.1f durable records per file; one writer at a time gets %s records/s from the journal (§5), so ≈ %.1f s of the phase's %.1f s (%.0f%%) is waiting for journal fsyncs.",
				perFile, num(r.jrate), j, phase, 100*math.Min(1, j/phase))
		}
		if p == "stat" || p == "restat" {
			w += " No journal here: the stat path itself (attribute cache timeout, Lookup/Getattr cost)."
		} else if lb := get(tLoopback, row).median(); lb > 0 {
			w += r.res.Floor.floorLine("roamfs", 1/get(tRoamfs, row).median()-1/lb)
		}
		return w
	}
	labels := make([]string, len(metaPhases))
	for i, p := range metaPhases {
		labels[i] = p + " (files/s)"
	}
	bound := func(row int) float64 {
		if metaPhases[row] == "restat" {
			return targetRestatRatio
		}
		return targetMetaRatio
	}
	r.compare(m.Targets, labels, get, bound, why)
	r.f("\nroamfs' journal after a run (pending records by op, `roamfs journal --json`): ")
	var ops []string
	for op := range recs {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for i, op := range ops {
		if i > 0 {
			r.f(", ")
		}
		r.f("%s %s", op, recs[op].spread())
	}
	r.f(" — %.1f records per file in the create phase. Logoff after the run (replays them; nothing reaches the server): %s s.\n", createRecs, logoff.spread())
	errLine(r, m.Err)
}

func (r *report) logoff(ps []*profileResult) {
	r.f("\n## 3. Logoff sync\n\n")
	r.f("Log on (the cache holds the profile), change %v files through the mount (80%% rewritten, 10%% new, 10%% deleted), then time `roamfs logoff` "+
		"(unmount + sync), against `rsync -a --delete CACHE/profile/ REPLICA/`: the same cache onto an rsync copy of the server as it stood before the session, "+
		"so rsync carries the same changes (page cache warm for both, as right after a session).\n\n", r.res.Config["changes"])
	r.header("profile", "re-logon (s)", "roamfs logoff (s)", "rsync (s)", "**rsync / roamfs**", "target", "result")
	var first, last *profileResult
	for i, p := range ps {
		if len(p.Logoff) == 0 {
			r.row(profileName(p), "—", "—", "—", "—", "", "ERROR")
			continue
		}
		var relogon, lo, rs sample
		for _, x := range p.Logoff {
			relogon, lo, rs = append(relogon, x.Relogon), append(lo, x.Logoff), append(rs, x.Rsync)
		}
		sp := ratios(rs, lo)
		tgt, res := "", "—"
		if i == len(ps)-1 {
			tgt = fmt.Sprintf("≥ %.0f×", targetLogoffSpeed)
			res = r.verdict(sp.median(), targetLogoffSpeed, true, fmt.Sprintf(
				"logoff at %s files: %.2f s against rsync's %.2f s (%.1f×).", commas(int64(p.Files)), lo.median(), rs.median(), sp.median()))
		}
		r.row(profileName(p), relogon.spread(), lo.spread(), rs.spread(), "**"+sp.ratioSpread()+"**", tgt, res)
		if first == nil {
			first = p
		}
		last = p
	}
	if first != nil && last != first {
		a, b := logoffTimes(first), logoffTimes(last)
		g := b.median() / a.median()
		why := fmt.Sprintf("logoff grows with the profile: %.2f s at %s files, %.2f s at %s (%.1f×) for the same %v changes — something in logoff is proportional to the profile, not to the journal.",
			a.median(), commas(int64(first.Files)), b.median(), commas(int64(last.Files)), g, r.res.Config["changes"])
		r.f("\nFlat as the profile grows: logoff median at %s files / at %s files = **%.2f×** (medians of separate runs); target ≤ %.1f×: %s\n",
			commas(int64(last.Files)), commas(int64(first.Files)), g, targetFlat, r.verdict(g, targetFlat, false, why))
	}
	for _, p := range ps {
		for _, w := range p.Warnings {
			r.f("\nWarning (%s files): %s\n", commas(int64(p.Files)), w)
		}
		if p.Err != "" {
			r.f("\n**ERROR** (%s files): %s\n", commas(int64(p.Files)), p.Err)
		}
	}
}

func logoffTimes(p *profileResult) sample {
	var s sample
	for _, x := range p.Logoff {
		s = append(s, x.Logoff)
	}
	return s
}

func profileName(p *profileResult) string {
	return fmt.Sprintf("%s files, %s, %s folders", commas(int64(p.Files)), size(p.Bytes), commas(int64(p.Dirs)))
}

func (r *report) logon(ps []*profileResult) {
	r.f("\n## 4. First logon\n\n")
	r.f("`roamfs logon` into an empty cache (returns once mounted) against `rsync -a SERVER/ EMPTY/` and `cp -a SERVER EMPTY`; caches dropped before each (the server copy is remote: none of it is cached on the client). "+
		"Profile mix (fixed seed %v): 1–16 KiB files, 1%% of 100 KiB–1 MiB, 0.02%% of ~10 MiB (at least 10 and 2), a 4 MiB NTUSER.DAT.\n\n", r.res.Config["seed"])
	r.header("profile", "roamfs logon (s)", "rsync -a (s)", "cp -a (s)", "**rsync / roamfs**", "cp / roamfs", "target", "result")
	for i, p := range ps {
		if len(p.Logon) == 0 {
			if p.Err != "" {
				r.row(profileName(p), "—", "—", "—", "—", "—", "", "ERROR")
			}
			continue // first logons are timed for the largest profile only
		}
		var lo, rs, cp sample
		for _, x := range p.Logon {
			lo, rs, cp = append(lo, x.Roamfs), append(rs, x.Rsync), append(cp, x.Cp)
		}
		sp := ratios(rs, lo)
		tgt, res := "", "—"
		if i == len(ps)-1 {
			tgt = fmt.Sprintf("≥ %.0f×", targetLogonSpeed)
			res = r.verdict(sp.median(), targetLogonSpeed, true, fmt.Sprintf(
				"first logon of %s files: %.2f s against rsync's %.2f s and cp's %.2f s.", commas(int64(p.Files)), lo.median(), rs.median(), cp.median()))
		}
		r.row(profileName(p), lo.spread(), rs.spread(), cp.spread(), "**"+sp.ratioSpread()+"**", ratios(cp, lo).ratioSpread(), tgt, res)
	}
}

func (r *report) journal() {
	r.f("\n## 5. Journal and memory\n\n")
	if j := r.res.Journal; j != nil {
		r.f("Durable appends (each fsynced before Append returns; concurrent appends share a transaction): `%s`.\n\n", j.RawCommand)
		r.header("writers", "durable records/s", "records per transaction")
		for _, w := range j.Writers {
			r.row(fmt.Sprint(w), sample(j.RecPerSec[w]).spread(), sample(j.RecPerTxn[w]).spread())
		}
		errLine(r, j.Err)
		r.f("\n")
	}
	r.f("roamfs daemon's peak RSS (VmHWM from /proc/PID/status, PID from `roamfs status --json`, polled every 20 ms while it lives):\n\n")
	r.header("session", "peak RSS (MB)", "target", "result")
	mb := func(s sample) sample {
		out := make(sample, len(s))
		for i, v := range s {
			out[i] = v / 1e6
		}
		return out
	}
	rssRow := func(name string, s sample, judged bool) {
		if len(s) == 0 {
			return
		}
		tgt, res := "", "—"
		if judged {
			tgt = fmt.Sprintf("< %.0f MB", targetRSS/1e6)
			res = r.verdict(s.max(), targetRSS, false, fmt.Sprintf("%s: the daemon peaked at %.0f MB.", name, s.max()/1e6))
		}
		r.row(name, mb(s).spread(), tgt, res)
	}
	if m := r.res.Meta; m != nil {
		var s sample
		for _, x := range m.Runs[tRoamfs] {
			s = append(s, float64(x.PeakRSS))
		}
		rssRow(fmt.Sprintf("§2 metadata, %s files", commas(int64(m.Files))), s, true)
	}
	var profiles []*profileResult
	if r.res.Profiles != nil {
		profiles = r.res.Profiles.Profiles
	}
	for _, p := range profiles {
		var s, l sample
		for _, x := range p.Logoff {
			s = append(s, float64(x.PeakRSS))
		}
		for _, x := range p.Logon {
			l = append(l, float64(x.PeakRSS))
		}
		rssRow(fmt.Sprintf("§3 logon + %v changes + logoff, %s files", r.res.Config["changes"], commas(int64(p.Files))), s, true)
		rssRow(fmt.Sprintf("§4 first logon, %s files", commas(int64(p.Files))), l, false)
	}
	if rec := r.res.Records; rec != nil {
		if rec.Ideal != nil {
			rssRow(fmt.Sprintf("§6 each of %s files changed once, logoff", commas(int64(rec.Paths))), sample{float64(rec.Ideal.PeakRSS)}, true)
		}
		for _, x := range rec.Runs {
			rssRow(fmt.Sprintf("§6 %s operations over %s files, logoff", commas(int64(x.Ops)), commas(int64(rec.Paths))), sample{float64(x.PeakRSS)}, true)
		}
	}
	r.f("\nThe target is judged on the highest run.\n")
}

func (r *report) records(rec *recordsResult) {
	r.f("\n## 6. Logoff after many journaled operations\n\n")
	r.f("%d writers make operations through the mount over the same %s files in Documents (a rewrite: open, write, close; a rename away and back, counted as two; a chmod; in turn), "+
		"then `roamfs logoff` is timed. The ideal: a session that changes each of those files once. One session per row.\n\n", recordWorkers, commas(int64(rec.Paths)))
	r.header("session", "journal records", "operations (s)", "roamfs logoff (s)", "logoff / ideal", "peak RSS (MB)")
	var ideal float64
	if x := rec.Ideal; x != nil {
		ideal = x.Logoff
		r.row("ideal: each file changed once", commas(int64(x.Records)), num(x.OpsSecs), num(x.Logoff), "1", num(float64(x.PeakRSS)/1e6))
	}
	for _, x := range rec.Runs {
		ratio := "—"
		if ideal > 0 {
			ratio = num(x.Logoff/ideal) + "×"
		}
		r.row(fmt.Sprintf("%s operations", commas(int64(x.Ops))), commas(int64(x.Records)), num(x.OpsSecs), num(x.Logoff), ratio, num(float64(x.PeakRSS)/1e6))
	}
	if n := len(rec.Runs); n >= 2 {
		a, b := rec.Runs[0], rec.Runs[n-1]
		g := b.Logoff / a.Logoff
		why := fmt.Sprintf("logoff after %s operations took %.2f s, after %s %.2f s (%.1f×): logoff cost follows the record count, not the %s paths changed.",
			commas(int64(b.Ops)), b.Logoff, commas(int64(a.Ops)), a.Logoff, g, commas(int64(rec.Paths)))
		r.f("\nLogoff after %s operations / after %s = **%.2f×**; target ≤ %.0f×: %s\n",
			commas(int64(b.Ops)), commas(int64(a.Ops)), g, targetRecords, r.verdict(g, targetRecords, false, why))
	}
	errLine(r, rec.Err)
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%s GiB", num(float64(n)/(1<<30)))
	case n >= 1<<20:
		return fmt.Sprintf("%s MiB", num(float64(n)/(1<<20)))
	default:
		return fmt.Sprintf("%s KiB", num(float64(n)/(1<<10)))
	}
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}
