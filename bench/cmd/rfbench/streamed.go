package main

// Issue 13, item 9: streamed logon. Per profile size, from a cold page cache
// each time: `roamfs logon` (streaming on, the default policy) into an empty
// cache until it returns with the mount ready, against `cp -a` and `rsync -a`
// of the same server copy; the time to the first byte of one file opened
// right after the logon (open, read 1 byte); the time from the logon's start
// until the background fill is done (its event in the cache's log, confirmed
// by `roamfs status --json` FilesPending 0; waitFilled),
// against `cp -a`; the daemon's peak RSS through the fill. At 50,000 files
// the same logon with `PSEnabled: false` (the full copy before the mount) is
// the old baseline.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	streamedOldAt   = 50000 // the profile size the PSEnabled: false baseline runs at
	targetReadyCp   = 0.1   // logon ready at 50,000 files ≤ 0.1× cp -a
	targetFillCp    = 1.0   // background fill no slower than cp -a
	streamedFillMax = 20 * time.Minute
)

type streamedRun struct {
	Ready      float64 // seconds: `roamfs logon` until it returned
	FirstByte  float64 // seconds: open + read 1 byte right after
	Fill       float64 // seconds from the logon's start until FilesPending was 0
	Pending    int64   // FilesPending right after the logon
	PeakRSS    int64   // the daemon's VmHWM until the fill was done
	Cp, Rsync  float64 // seconds
	OldLogon   float64 `json:",omitempty"` // seconds: PSEnabled false (at streamedOldAt only)
	OldPeakRSS int64   `json:",omitempty"`
}

type streamedProfile struct {
	Files     int
	Bytes     int64
	FirstFile string // the file opened right after the logon
	FirstSize int64
	Runs      []streamedRun
	Err       string `json:",omitempty"`
}

type streamedResult struct {
	FS       string
	Profiles []*streamedProfile
	Err      string `json:",omitempty"`
}

func (h *harness) streamedSizes() []int {
	if h.cfg.quick {
		return []int{2000, streamedOldAt}
	}
	return []int{2000, streamedOldAt, 100000}
}

func (h *harness) benchStreamed(ctx context.Context) *streamedResult {
	sizes := h.streamedSizes()
	base, fs, scratch := h.sectionScratch(ctx, "streamed", sizes)
	res := &streamedResult{FS: fs}
	old, err := writePolicy(filepath.Join(h.work, "streamed-old.yaml"), "PSEnabled: false")
	if err != nil {
		res.Err = err.Error()
		return res
	}
	for _, n := range sizes {
		if ctx.Err() != nil {
			break
		}
		p := h.streamedProfile(ctx, base, n, old)
		res.Profiles = append(res.Profiles, p)
	}
	if scratch != nil {
		if err := h.unmountScratch(scratch); err != nil {
			h.logf("streamed: %v", err)
		}
	}
	return res
}

func (h *harness) streamedProfile(ctx context.Context, base string, n int, oldPolicy string) *streamedProfile {
	res := &streamedProfile{Files: n}
	dir := func(name string) string { return filepath.Join(base, fmt.Sprintf("s%d-%s", n, name)) }
	server, mnt := dir("server"), filepath.Join(h.work, fmt.Sprintf("s%d-mnt", n))
	defer h.safeRemoveAll(server)
	h.logf("streamed %d: generating the server copy", n)
	info, err := generateProfile(ctx, server, n, h.cfg.seed)
	if err != nil {
		res.Err = fmt.Sprintf("generate: %v", err)
		return res
	}
	res.Files, res.Bytes = info.Files, info.Bytes
	res.FirstFile, res.FirstSize = firstByteFile(server, info.paths)
	if err := h.streamedSeed(ctx, server, dir("seed"), mnt); err != nil {
		res.Err = err.Error()
		return res
	}
	for run := 0; run < h.cfg.runs && ctx.Err() == nil; run++ {
		h.logf("streamed %d: run %d/%d", n, run+1, h.cfg.runs)
		r, err := h.streamedRun(ctx, res, server, mnt, dir, run, n == streamedOldAt, oldPolicy)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		h.logf("streamed %d: ready %.2f s, first byte %.3f s, fill %.2f s (%d pending), cp %.2f s, rsync %.2f s, peak RSS %.0f MB",
			n, r.Ready, r.FirstByte, r.Fill, r.Pending, r.Cp, r.Rsync, float64(r.PeakRSS)/1e6)
		res.Runs = append(res.Runs, r)
	}
	return res
}

// streamedSeed logs on to the generated server copy once, untimed, and off
// after the fill: the logoff writes the profile's metadata and index, as
// every logoff of roamfs leaves them on a server it syncs. The timed runs then
// all measure the logon of a profile roamfs keeps (the index read in one
// request); without it the first run alone walked the server tree, and the
// median of three mixed two different logons.
func (h *harness) streamedSeed(ctx context.Context, server, cache, mnt string) error {
	h.logf("streamed: a first logon and logoff write the server's index")
	m, _, err := h.logon(ctx, server, cache, mnt)
	if err != nil {
		return fmt.Errorf("seeding logon: %w", err)
	}
	if _, err := h.waitFilled(ctx, cache, streamedFillMax); err != nil {
		h.logoff(ctx, m)
		return fmt.Errorf("seeding logon's fill: %w", err)
	}
	if _, err := h.logoff(ctx, m); err != nil {
		return fmt.Errorf("seeding logoff: %w", err)
	}
	h.safeRemoveAll(cache)
	if _, err := os.Stat(filepath.Join(server, ".roamfs-index")); err != nil {
		return fmt.Errorf("the seeding logoff wrote no profile index: %w", err)
	}
	return nil
}

func (h *harness) streamedRun(ctx context.Context, res *streamedProfile, server, mnt string, dir func(string) string, run int, withOld bool, oldPolicy string) (streamedRun, error) {
	var r streamedRun
	cache := dir(fmt.Sprintf("cache%d", run))
	if err := h.dropCaches(); err != nil {
		return r, err
	}
	start := time.Now()
	m, d, err := h.logon(ctx, server, cache, mnt)
	if err != nil {
		return r, fmt.Errorf("streamed logon: %w", err)
	}
	r.Ready = d.Seconds()
	w := watchHWM(m.pid)
	if res.FirstFile != "" {
		t := time.Now()
		if err := readOneByte(filepath.Join(mnt, res.FirstFile)); err != nil {
			w.Peak()
			h.logoff(ctx, m)
			return r, fmt.Errorf("first byte of %s: %w", res.FirstFile, err)
		}
		r.FirstByte = time.Since(t).Seconds()
	}
	if st, err := h.liveStatus(ctx, cache); err == nil {
		r.Pending = st.FilesPending
	}
	done, err := h.waitFilled(ctx, cache, streamedFillMax)
	r.PeakRSS = w.Peak()
	if err != nil {
		h.logoff(ctx, m)
		return r, err
	}
	r.Fill = done.Sub(start).Seconds()
	if _, err := h.logoff(ctx, m); err != nil {
		return r, fmt.Errorf("logoff after the fill: %w", err)
	}
	h.safeRemoveAll(cache)
	cpDir, rsDir := dir(fmt.Sprintf("cp%d", run)), dir(fmt.Sprintf("rsync%d", run))
	if err := h.dropCaches(); err != nil {
		return r, err
	}
	if r.Cp, err = h.timeCmd(ctx, "cp", "-a", server, cpDir); err != nil {
		return r, err
	}
	h.safeRemoveAll(cpDir)
	if err := h.dropCaches(); err != nil {
		return r, err
	}
	if r.Rsync, err = h.timeCmd(ctx, "rsync", "-a", server+"/", rsDir+"/"); err != nil {
		return r, err
	}
	h.safeRemoveAll(rsDir)
	if withOld {
		oldCache := dir(fmt.Sprintf("old%d", run))
		if err := h.dropCaches(); err != nil {
			return r, err
		}
		m, d, err := h.logonPolicy(ctx, server, oldCache, mnt, oldPolicy)
		if err != nil {
			return r, fmt.Errorf("logon with PSEnabled false: %w", err)
		}
		r.OldLogon = d.Seconds()
		r.OldPeakRSS, _ = vmHWM(m.pid)
		if _, err := h.logoff(ctx, m); err != nil {
			return r, fmt.Errorf("logoff after the full-copy logon: %w", err)
		}
		h.safeRemoveAll(oldCache)
	}
	return r, nil
}

// firstByteFile picks the file a user opens right after the logon: one the
// background fill reaches late (not under the hive, AppData/Roaming, Desktop
// or Documents), of the medium size (100 KiB–1 MiB), or any file at all.
func firstByteFile(server string, paths []string) (string, int64) {
	late := func(p string) bool {
		for _, d := range []string{"AppData/Roaming/", "Desktop/", "Documents/"} {
			if strings.HasPrefix(p, d) {
				return false
			}
		}
		return true
	}
	for i := len(paths) - 1; i >= 0; i-- {
		p := paths[i]
		if !late(p) {
			continue
		}
		if fi, err := os.Stat(filepath.Join(server, p)); err == nil && fi.Size() >= mediumMin && fi.Size() <= mediumMax {
			return p, fi.Size()
		}
	}
	if len(paths) == 0 {
		return "", 0
	}
	fi, _ := os.Stat(filepath.Join(server, paths[0]))
	if fi == nil {
		return paths[0], 0
	}
	return paths[0], fi.Size()
}

func readOneByte(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	var b [1]byte
	_, err = f.Read(b[:])
	return err
}

func (r *report) streamed(s *streamedResult) {
	r.f("\n## 7. Streamed logon (issue 13)\n\n")
	r.f("On %s. Caches dropped before each command. `roamfs logon` (streaming on, default policy) into an empty cache until it returns (mount ready), "+
		"on a server copy an untimed first logon and logoff left with roamfs' metadata and profile index, as every logoff does; "+
		"then open + read 1 byte of one file the fill reaches late (first byte); the fill is done at the daemon's \"background fill finished\" event (1602) with no file left, read from the cache's log every 20 ms "+
		"and confirmed by `roamfs status --json` FilesPending 0 (timed from the logon's start; status is not polled meanwhile: a `roamfs status` process every 50 ms took CPU from the fill it timed); `cp -a` and `rsync -a` of the same server copy; the old logon is `PSEnabled: false` (full copy before the mount). "+
		"Ratios are taken run by run.\n\n", s.FS)
	r.header("profile", "logon ready (s)", "first byte (s)", "fill done (s)", "cp -a (s)", "rsync -a (s)", "**ready / cp**", "ready / rsync", "**fill / cp**", "peak RSS in fill (MB)", "PSEnabled false logon (s)", "old / cp")
	var small sample
	for i, p := range s.Profiles {
		var ready, first, fill, cp, rs, rss, old sample
		for _, x := range p.Runs {
			ready, first, fill = append(ready, x.Ready), append(first, x.FirstByte), append(fill, x.Fill)
			cp, rs, rss = append(cp, x.Cp), append(rs, x.Rsync), append(rss, float64(x.PeakRSS)/1e6)
			if x.OldLogon > 0 {
				old = append(old, x.OldLogon)
			}
		}
		if i == 0 {
			small = ready
		}
		oldCells := []string{"—", "—"}
		if len(old) > 0 {
			oldCells = []string{old.spread(), ratios(old, cp).ratioSpread()}
		}
		r.row(append([]string{fmt.Sprintf("%s files, %s", commas(int64(p.Files)), size(p.Bytes)), ready.spread(), first.spread(), fill.spread(), cp.spread(), rs.spread(),
			"**" + ratios(ready, cp).ratioSpread() + "**", ratios(ready, rs).ratioSpread(), "**" + ratios(fill, cp).ratioSpread() + "**", rss.spread()}, oldCells...)...)
		if p.Err != "" {
			r.f("\n**ERROR** (%s files): %s\n\n", commas(int64(p.Files)), p.Err)
		}
	}
	r.f("\nFirst byte: ")
	for i, p := range s.Profiles {
		if i > 0 {
			r.f("; ")
		}
		r.f("%s files: `%s` (%s)", commas(int64(p.Files)), p.FirstFile, size(p.FirstSize))
	}
	r.f(".\n\n")
	r.header("goal", "measured", "target", "result")
	for _, p := range s.Profiles {
		var ready, fill, cp, rss sample
		for _, x := range p.Runs {
			ready, fill, cp, rss = append(ready, x.Ready), append(fill, x.Fill), append(cp, x.Cp), append(rss, float64(x.PeakRSS))
		}
		if len(ready) == 0 {
			continue
		}
		if p.Files-1 == streamedOldAt {
			v := ratios(ready, cp).median()
			r.row(fmt.Sprintf("logon ready / cp -a at %s files", commas(int64(p.Files))), num(v)+"×", fmt.Sprintf("≤ %.1f×", targetReadyCp),
				r.verdict(v, targetReadyCp, false, fmt.Sprintf("streamed logon of %s files ready in %.2f s, cp -a %.2f s.", commas(int64(p.Files)), ready.median(), cp.median())))
			if len(small) > 0 {
				f := ready.median() / small.median()
				r.row(fmt.Sprintf("logon ready %s / %s files (flat)", commas(int64(p.Files)), commas(int64(s.Profiles[0].Files))), num(f)+"×", fmt.Sprintf("≤ %.1f×", targetFlat),
					r.verdict(f, targetFlat, false, fmt.Sprintf("streamed logon ready in %.2f s at %s files against %.2f s at %s.", ready.median(), commas(int64(p.Files)), small.median(), commas(int64(s.Profiles[0].Files)))))
			}
		}
		v := ratios(fill, cp).median()
		r.row(fmt.Sprintf("fill done / cp -a at %s files", commas(int64(p.Files))), num(v)+"×", fmt.Sprintf("≤ %.1f×", targetFillCp),
			r.verdict(v, targetFillCp, false, fmt.Sprintf("background fill of %s files done after %.2f s, cp -a %.2f s.", commas(int64(p.Files)), fill.median(), cp.median())))
		if p.Files-1 >= 100000 {
			r.row(fmt.Sprintf("peak RSS through the fill at %s files", commas(int64(p.Files))), num(rss.max()/1e6)+" MB", fmt.Sprintf("< %.0f MB", targetRSS/1e6),
				r.verdict(rss.max(), targetRSS, false, fmt.Sprintf("the daemon peaked at %.0f MB filling %s files.", rss.max()/1e6, commas(int64(p.Files)))))
		}
	}
	errLine(r, s.Err)
}

func (s *streamedResult) failed() bool {
	for _, p := range s.Profiles {
		if p.Err != "" {
			return true
		}
	}
	return s.Err != ""
}
