// Command rfbench is roamfs' benchmark harness (issue 8). It measures, on this
// machine and in the same run, a native directory, go-fuse's plain loopback
// (built and mounted by the harness itself, see bench/loopback) and a roamfs
// mount, and roamfs' logon and logoff against rsync and cp:
//
//  1. data path: sequential write and cold read of a large file, random 4 KiB
//     reads and writes (fio, or a Go loop without it);
//  2. metadata: create+write+close, stat, rename and unlink of many small files;
//  3. logoff sync of a changed profile against rsync, for two profile sizes;
//  4. first logon into an empty cache against rsync -a and cp -a;
//  5. the journal's durable append rate, and the daemon's peak RSS;
//  6. logoff after many journaled operations over a few paths, against the
//     same paths changed once each (records.go);
//  7. streamed logon: ready, first byte and background fill against cp -a
//     and rsync -a (streamed.go);
//  8. write-back rounds of a running session, idle and with changes, and the
//     mount's latency during one (writeback.go).
//
// Every figure is the median of -runs runs (3 at least) with its min–max;
// every comparison is a ratio taken within one run. The report is a markdown
// table on stdout and in bench/results/, with the raw samples as JSON beside it.
//
// It must run as root (direct FUSE mounts, drop_caches). Everything it mounts
// is unmounted on the way out: normally, on error, on SIGINT/SIGTERM/SIGHUP.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type config struct {
	quick       bool
	runs        int
	seqBytes    int64
	randSize    int64
	randRuntime time.Duration
	metaFiles   int
	profiles    []int
	recordOps   []int
	changes     int
	smbFiles    int
	benchtime   string
	seed        uint64
	only        map[string]bool
	noPT        bool
	keep        bool
	parent      string
	roamfsBin   string
	profileFS   string
	out         string
	fio         string
}

var sections = []string{"data", "meta", "metaops", "profile", "records", "journal", "smb", "streamed", "writeback"}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("rfbench", flag.ContinueOnError)
	var c config
	quick := fs.Bool("quick", false, "CI smoke: small sizes (about two minutes)")
	runs := fs.Int("runs", 3, "runs per figure (medians need at least 3)")
	seqMiB := fs.Int64("seq-mib", 0, "sequential file size in MiB (default 1024, quick 256)")
	randMiB := fs.Int64("rand-mib", 0, "random-I/O file size in MiB (default 256, quick 64)")
	randSecs := fs.Float64("rand-secs", 0, "seconds per random-I/O measurement (default 2, quick 1)")
	metaFiles := fs.Int("meta-files", 0, "small files in the metadata test (default 20000, quick 2000)")
	profiles := fs.String("profiles", "", "profile sizes in files, comma-separated (default 10000,100000; quick 2000,10000)")
	recordOps := fs.String("record-ops", "", "operations per session in the records section, comma-separated (default 100000,1000000; quick 5000,50000)")
	fs.IntVar(&c.changes, "changes", 100, "files changed through the mount before each timed logoff")
	fs.IntVar(&c.smbFiles, "smb-files", 10000, "files in the profile of the smb section")
	fs.StringVar(&c.benchtime, "benchtime", "", "journal benchmark -benchtime (default 1s, quick 0.3s)")
	fs.Uint64Var(&c.seed, "seed", 8, "seed of the generated profiles")
	only := fs.String("only", "", "run only these sections, comma-separated: "+strings.Join(sections, ","))
	fs.BoolVar(&c.noPT, "nopt", false, "also measure the loopback with passthrough declined")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory (mounts are always taken down)")
	fs.StringVar(&c.parent, "dir", os.TempDir(), "where the work directory goes (its file system is the one measured)")
	fs.StringVar(&c.roamfsBin, "roamfs", "", "roamfs binary to measure (default: build ./cmd/roamfs)")
	fs.StringVar(&c.out, "out", "", "report file (default bench/results/DATE-MODE.md; the JSON goes beside it)")
	fs.StringVar(&c.fio, "fio", "auto", `fio binary, or "none" for the Go implementation`)
	fs.StringVar(&c.profileFS, "profile-fs", "loop", `where §3-4 put their profile copies: "loop" (a fresh ext4 image, see bench/cmd/rfbench/scratch.go) or "dir" (the work directory)`)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.quick, c.runs = *quick, *runs
	pick := func(v, full, q int64) int64 {
		if v > 0 {
			return v
		}
		if c.quick {
			return q
		}
		return full
	}
	c.seqBytes = pick(*seqMiB, 1024, 256) << 20
	c.randSize = pick(*randMiB, 256, 64) << 20
	c.metaFiles = int(pick(int64(*metaFiles), 20000, 2000))
	c.randRuntime = time.Duration(float64(time.Second) * float64(pick(int64(*randSecs*1000), 2000, 1000)) / 1000)
	if c.benchtime == "" {
		c.benchtime = map[bool]string{false: "1s", true: "0.3s"}[c.quick]
	}
	ps := map[bool]string{false: "10000,100000", true: "2000,10000"}[c.quick]
	if *profiles != "" {
		ps = *profiles
	}
	for _, s := range strings.Split(ps, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			return c, fmt.Errorf("-profiles: %q is not a file count of at least 100", s)
		}
		c.profiles = append(c.profiles, n)
	}
	ro := map[bool]string{false: "100000,1000000", true: "5000,50000"}[c.quick]
	if *recordOps != "" {
		ro = *recordOps
	}
	for _, s := range strings.Split(ro, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			return c, fmt.Errorf("-record-ops: %q is not an operation count of at least 1000", s)
		}
		c.recordOps = append(c.recordOps, n)
	}
	c.only = map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		ok := false
		for _, k := range sections {
			ok = ok || k == s
		}
		if !ok {
			return c, fmt.Errorf("-only: unknown section %q (have %s)", s, strings.Join(sections, ","))
		}
		c.only[s] = true
	}
	if c.runs < 1 {
		return c, errors.New("-runs must be at least 1")
	}
	if c.profileFS != "loop" && c.profileFS != "dir" {
		return c, fmt.Errorf("-profile-fs %q: want loop or dir", c.profileFS)
	}
	slices.Sort(c.profiles)
	slices.Sort(c.recordOps)
	return c, nil
}

func (c config) wants(section string) bool { return len(c.only) == 0 || c.only[section] }

func (c config) mode() string {
	if c.quick {
		return "quick"
	}
	return "full"
}

// harness is one benchmark run: its work directory, binaries and mounts.
type harness struct {
	cfg        config
	root       string // the roamfs module
	work       string
	bin        struct{ roamfs, loopback string }
	fio        string
	fioVersion string
	logw       io.Writer
	started    time.Time

	mu     sync.Mutex
	mounts []*mount

	cleanMu sync.Mutex
	cleaned bool
	stops   []func() // servers a section started (smbd), stopped after the mounts
}

// onCleanup registers a server's stop function: cleanup runs it after the
// mounts are down, also on a signal.
func (h *harness) onCleanup(stop func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stops = append(h.stops, stop)
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.logw, "rfbench %6.1fs  %s\n", time.Since(h.started).Seconds(), fmt.Sprintf(format, args...))
}

func (h *harness) targets() []string {
	ts := []string{tNative, tLoopback}
	if h.cfg.noPT {
		ts = append(ts, tNoPT)
	}
	return append(ts, tRoamfs)
}

func (h *harness) dropCaches() error {
	if err := dropCaches(); err != nil {
		return fmt.Errorf("drop caches (echo 3 > /proc/sys/vm/drop_caches; needs root): %w", err)
	}
	return nil
}

func (h *harness) goBuild(ctx context.Context, args ...string) error {
	gobin := os.Getenv("GO")
	if gobin == "" {
		gobin = "go"
	}
	cmd := exec.CommandContext(ctx, gobin, args...)
	cmd.Dir = h.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// cleanup takes every mount down and removes the work directory. The signal
// handler and the normal exit path may both call it; the second waits for the
// first to finish.
func (h *harness) cleanup() {
	h.cleanMu.Lock()
	defer h.cleanMu.Unlock()
	if h.cleaned {
		return
	}
	h.cleaned = true
	h.cleanupMounts()
	h.mu.Lock()
	stops := h.stops
	h.mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	if left := mountsUnder(h.work); len(left) > 0 {
		h.logf("cleanup: STILL MOUNTED: %v (work directory %s kept)", left, h.work)
		return
	}
	if h.cfg.keep {
		h.logf("work directory kept: %s", h.work)
		return
	}
	if err := os.RemoveAll(h.work); err != nil {
		h.logf("cleanup: %v", err)
	}
}

// moduleRoot finds the roamfs module from the current directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module roamfs\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run rfbench inside the roamfs module (no go.mod with `module roamfs` above the current directory)")
		}
		dir = parent
	}
}

func main() { os.Exit(run()) }

func run() int {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "rfbench:", err)
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "rfbench: must run as root (direct FUSE mounts, FUSE passthrough, drop_caches)")
		return 2
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rfbench:", err)
		return 2
	}
	h := &harness{cfg: cfg, root: root, logw: os.Stderr, started: time.Now()}
	if h.work, err = os.MkdirTemp(cfg.parent, "rfbench-"); err != nil {
		fmt.Fprintln(os.Stderr, "rfbench:", err)
		return 1
	}
	if err := markTopDir(h.work); err != nil {
		h.logf("warning: cannot mark %s as a top directory (chattr +T): %v", h.work, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		h.logf("%v: stopping; taking every mount down", s)
		cancel()
		h.cleanup()
		os.Exit(130)
	}()
	defer h.cleanup() // also on a panic: deferred calls run while it unwinds

	res, err := h.runAll(ctx)
	if ctx.Err() != nil {
		h.logf("interrupted")
		return 130
	}
	if err != nil {
		h.logf("error: %v", err)
		return 1
	}
	report := renderReport(res)
	fmt.Print(report)
	if err := h.save(res, report); err != nil {
		h.logf("error: %v", err)
		return 1
	}
	if res.failed() {
		return 1
	}
	return 0
}

// results is everything one run measured; it is also saved as JSON.
type results struct {
	Mode     string
	Runs     int
	Started  time.Time
	Seconds  float64
	Machine  machine
	Config   map[string]any
	Data     *dataResult
	Meta     *metaResult
	MetaOps  *metaOpsResult // issue 12 (metaops.go)
	Floor    *flushFloor    // issue 12: the disk's flush floor (flushfloor.go)
	Profiles *profilesResult
	Records  *recordsResult
	Journal  *journalResult
	SMB      *smbResult
	Streamed *streamedResult  // issue 13 (streamed.go)
	Rounds   *writebackResult // issue 14 (writeback.go)
}

func (r *results) failed() bool {
	if r.Data != nil && r.Data.Err != "" || r.Meta != nil && r.Meta.Err != "" || r.MetaOps != nil && r.MetaOps.Err != "" || r.Journal != nil && r.Journal.Err != "" ||
		r.Records != nil && r.Records.Err != "" || r.SMB != nil && r.SMB.Err != "" ||
		r.Streamed != nil && r.Streamed.failed() || r.Rounds != nil && r.Rounds.failed() {
		return true
	}
	if r.Profiles != nil {
		for _, p := range r.Profiles.Profiles {
			if p.Err != "" {
				return true
			}
		}
	}
	return false
}

func (h *harness) runAll(ctx context.Context) (*results, error) {
	cfg := h.cfg
	if cfg.fio != "none" {
		name := cfg.fio
		if name == "auto" {
			name = "fio"
		}
		if p, err := exec.LookPath(name); err == nil {
			h.fio, h.fioVersion = p, cmdLine("", p, "--version")
		} else if cfg.fio != "auto" {
			return nil, fmt.Errorf("-fio %s: %w", cfg.fio, err)
		} else {
			h.logf("fio not found: random I/O uses the Go implementation")
		}
	}
	binDir := filepath.Join(h.work, "bin")
	h.bin.roamfs, h.bin.loopback = cfg.roamfsBin, filepath.Join(binDir, "loopback")
	if h.bin.roamfs == "" {
		h.bin.roamfs = filepath.Join(binDir, "roamfs")
		h.logf("building roamfs and the loopback baseline")
		if err := h.goBuild(ctx, "build", "-o", h.bin.roamfs, "./cmd/roamfs"); err != nil {
			return nil, err
		}
	}
	if err := h.goBuild(ctx, "build", "-o", h.bin.loopback, "./bench/loopback"); err != nil {
		return nil, err
	}
	if err := h.dropCaches(); err != nil {
		return nil, err
	}
	res := &results{Mode: cfg.mode(), Runs: cfg.runs, Started: h.started, Machine: probeMachine(h.root, h.work, h.fio)}
	res.Config = map[string]any{
		"seq_bytes": cfg.seqBytes, "rand_bytes": cfg.randSize, "rand_seconds": cfg.randRuntime.Seconds(),
		"meta_files": cfg.metaFiles, "profiles": cfg.profiles, "changes": cfg.changes, "seed": cfg.seed, "record_ops": cfg.recordOps,
		"smb_files": cfg.smbFiles,
		"benchtime": cfg.benchtime, "work": h.work,
	}
	if cfg.runs < 3 {
		h.logf("warning: -runs %d: the report's medians need at least 3 runs", cfg.runs)
	}
	if cfg.wants("data") && ctx.Err() == nil {
		res.Data = h.benchData(ctx)
	}
	if (cfg.wants("meta") || cfg.wants("metaops")) && ctx.Err() == nil {
		h.logf("the flush floor of %s", h.work)
		res.Floor = measureFlushFloor(h.work)
	}
	if cfg.wants("meta") && ctx.Err() == nil {
		res.Meta = h.benchMeta(ctx)
	}
	if cfg.wants("metaops") && ctx.Err() == nil {
		res.MetaOps = h.benchMetaOps(ctx)
	}
	if cfg.wants("profile") && ctx.Err() == nil {
		res.Profiles = h.benchProfiles(ctx)
	}
	if cfg.wants("records") && ctx.Err() == nil {
		res.Records = h.benchRecords(ctx)
	}
	if cfg.wants("journal") && ctx.Err() == nil {
		res.Journal = h.benchJournal(ctx)
	}
	if cfg.wants("smb") && ctx.Err() == nil {
		res.SMB = h.benchSMB(ctx)
	}
	if cfg.wants("streamed") && ctx.Err() == nil {
		res.Streamed = h.benchStreamed(ctx)
	}
	if cfg.wants("writeback") && ctx.Err() == nil {
		res.Rounds = h.benchWriteback(ctx)
	}
	res.Machine.LoadAfter = loadAvg()
	res.Seconds = time.Since(h.started).Seconds()
	return res, ctx.Err()
}

// save writes the report and the raw samples under bench/results (or -out).
func (h *harness) save(res *results, report string) error {
	out := h.cfg.out
	if out == "" {
		out = filepath.Join(h.root, "bench", "results", res.Started.Format("20060102-150405")+"-"+res.Mode+".md")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	js := strings.TrimSuffix(out, filepath.Ext(out)) + ".json"
	if err := os.WriteFile(js, raw, 0o644); err != nil {
		return err
	}
	h.logf("report: %s (raw samples: %s)", out, js)
	return nil
}
