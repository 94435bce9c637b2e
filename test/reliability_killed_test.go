package test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestReliabilityKilledSession: the daemon is SIGKILLed at 20 random moments
// of random work through the mount (creates, overwrites, appends, renames and
// deletes with distinct contents, some fsynced, some not), one kill per short
// session. Each time the dead mount is detached and the journal replayed,
// alternately by the next logon on the same cache (event 1703) and by
// `roamfs sync --cache`. After every replay and after the final logoff the
// server holds every acknowledged write — a write whose close(2) returned
// without error before the kill, fsynced or not — with its final content.
//
// The one operation in flight when the daemon died was not acknowledged: its
// paths may hold the state before it or after it (a write in part), and are
// left alone for the rest of the test; but what it moved (a rename) was, and
// must stay on the server under one of its names. A kill that lands between a
// rename in the cache and its journal record breaks that (see
// TestReliabilityKilledBetweenRenameAndJournal), so this test fails in some
// runs until that is fixed; the seed is logged.
func TestReliabilityKilledSession(t *testing.T) {
	const kills = 20
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("ROAMFS_REL_SEED"), 10, 64); err == nil {
		seed = s // the work again (the kill moments depend on timing as well)
	}
	t.Logf("seed %d (ROAMFS_REL_SEED=%d repeats the work)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>7))

	m := newMachine(t, newServer(t))
	mdl := newRelKillModel([]string{"Documents/crash", "Desktop/crash"})
	m.logon()
	for _, d := range mdl.dirs {
		if err := os.Mkdir(m.p(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	type tally struct{ kills, acked, ackedNoSync, missing, lost int }
	byLogon, bySync := &tally{}, &tally{}
	missing := map[string]*tally{} // paths missing from the server after a replay, by the replay that showed it first
	mounted := true
	for k := range kills {
		if !mounted {
			m.logon()
		}
		w := &relWorker{m: m, mdl: mdl, rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(k))), session: k}
		target := 2 + rng.IntN(25)
		delay := time.Duration(rng.IntN(2000)) * time.Microsecond
		done := make(chan struct{})
		go func() { defer close(done); w.run() }()
		for w.acked.Load() < int64(target) && !w.finished.Load() {
			time.Sleep(200 * time.Microsecond) // waiting for the work to reach the chosen moment
		}
		time.Sleep(delay)
		relKillDaemon(t, m, func() { w.killed.Store(true) }, func() {
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatalf("kill %d: the work through the dead mount did not return within a minute", k+1)
			}
		})
		if w.earlyErr != nil {
			t.Errorf("kill %d: an operation failed before the kill: %v", k+1, w.earlyErr)
		}
		if w.uncertain != nil {
			mdl.addUncertain(*w.uncertain)
		}

		tl, how := bySync, "sync"
		if k%2 == 0 {
			tl, how = byLogon, "logon"
			before := len(relWithID(relEvents(t, m.cache), 1703))
			m.logon()
			if after := len(relWithID(relEvents(t, m.cache), 1703)); after <= before {
				t.Errorf("kill %d: the logon after the kill logged no event 1703 (earlier session's journal replayed)", k+1)
			}
			mounted = true
		} else {
			r := relRoamfs(t, "sync", "--cache", m.cache)
			if r.code != 0 {
				t.Errorf("kill %d: roamfs sync --cache: exit %d\nstdout: %s\nstderr: %s", k+1, r.code, r.stdout, r.stderr)
			}
			if st := relStatusOf(t, m.cache); st.PendingChanges != 0 || st.Loaded {
				t.Errorf("kill %d: after sync PendingChanges=%d Loaded=%v, want 0 and false", k+1, st.PendingChanges, st.Loaded)
			}
			mounted = false
		}
		tl.kills++
		tl.acked += w.ackedOps
		tl.ackedNoSync += w.ackedNoSync
		for p, why := range mdl.check(t, m.server) {
			if missing[p] == nil {
				missing[p] = tl
				tl.missing++
				t.Errorf("after kill %d (%s; replayed by %s): %s", k+1, w.lastOp(), how, why)
			}
		}
	}
	if !mounted {
		m.logon()
	}
	m.logoff()
	var lost []string
	for p, why := range mdl.check(t, m.server) {
		lost = append(lost, p)
		tl := missing[p]
		if tl == nil {
			tl = bySync // first seen at the end: the last replay was a sync or a logoff
			if kills%2 == 1 {
				tl = byLogon
			}
			tl.missing++
		}
		tl.lost++
		t.Errorf("after the final logoff, PERMANENTLY: %s", why)
	}
	sort.Strings(lost)

	acked, noSync := byLogon.acked+bySync.acked, byLogon.ackedNoSync+bySync.ackedNoSync
	t.Logf("kills: %d (%d replayed by the next logon, %d by roamfs sync); writes acknowledged: %d (%d of them not fsynced); "+
		"writes lost: %d (%v); paths missing from the server after some replay: %d; unacknowledged operations in flight at a kill: %d",
		byLogon.kills+bySync.kills, byLogon.kills, bySync.kills, acked, noSync, len(lost), lost, len(missing), len(mdl.uncertain))
	for _, u := range mdl.uncertain {
		t.Logf("in flight at a kill: %s", u.desc)
	}
	note := func(tl *tally) string {
		n := fmt.Sprintf("%d of the writes not fsynced", tl.ackedNoSync)
		if tl.missing > tl.lost {
			n += fmt.Sprintf("; %d more missing from the server right after the replay, delivered later", tl.missing-tl.lost)
		}
		return n
	}
	relReport(t, relRow{Fault: "daemon SIGKILLed mid-work; next logon replays the journal (event 1703)", Tried: byLogon.kills,
		Acked: byLogon.acked, Lost: byLogon.lost, Note: note(byLogon)})
	relReport(t, relRow{Fault: "daemon SIGKILLed mid-work; `roamfs sync --cache` replays", Tried: bySync.kills, Acked: bySync.acked,
		Lost: bySync.lost, Note: note(bySync)})
}

// relKillModel is what the server must hold under dirs: the acknowledged
// state of every path the work touched, plus the operations a kill left
// unacknowledged.
type relKillModel struct {
	dirs      []string
	files     map[string]string // acknowledged content of present files
	gone      map[string]bool   // paths acknowledged absent
	fuzzy     map[string]bool   // paths of an unacknowledged operation: never touched again
	uncertain []relUncertain
	next      int // fresh names
}

// relUncertain is an operation in flight at a kill: ok says whether the
// server's state of its paths is one it may have left.
type relUncertain struct {
	desc  string
	paths []string
	ok    func(get func(p string) (string, bool)) bool
}

func newRelKillModel(dirs []string) *relKillModel {
	return &relKillModel{dirs: dirs, files: map[string]string{}, gone: map[string]bool{}, fuzzy: map[string]bool{}}
}

func (mdl *relKillModel) addUncertain(u relUncertain) {
	mdl.uncertain = append(mdl.uncertain, u)
	for _, p := range u.paths {
		mdl.fuzzy[p] = true
		delete(mdl.files, p)
		delete(mdl.gone, p)
	}
}

// check compares the server with the model and returns, by path, each
// acknowledged state the server does not hold.
func (mdl *relKillModel) check(t *testing.T, server string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, d := range mdl.dirs {
		for p, n := range relTree(t, filepath.Join(server, d)) {
			full := path.Join(d, p)
			switch {
			case n.Mode.IsDir():
				t.Errorf("unexpected folder %s on the server", full)
			case !n.Mode.IsRegular():
				t.Errorf("unexpected %v %s on the server", n.Mode, full)
			case strings.HasPrefix(path.Base(full), ".roamfs-tmp-"):
				t.Errorf("temporary file %s left on the server", full)
			default:
				got[full] = n.Content
			}
		}
	}
	bad := map[string]string{}
	for p, want := range mdl.files {
		if c, ok := got[p]; !ok {
			bad[p] = fmt.Sprintf("LOST %s: acknowledged with %d bytes (%.40q), absent from the server", p, len(want), want)
		} else if c != want {
			bad[p] = fmt.Sprintf("LOST %s: acknowledged with %d bytes (%.40q), the server has %d bytes (%.40q)", p, len(want), want, len(c), c)
		}
	}
	for p := range mdl.gone {
		if c, ok := got[p]; ok {
			bad[p] = fmt.Sprintf("%s was deleted (acknowledged) but the server still has it (%d bytes, %.40q)", p, len(c), c)
		}
	}
	for p := range got {
		if _, known := mdl.files[p]; !known && !mdl.gone[p] && !mdl.fuzzy[p] {
			t.Errorf("the server has %s, which the work never wrote", p)
		}
	}
	get := func(p string) (string, bool) { c, ok := got[p]; return c, ok }
	for _, u := range mdl.uncertain {
		if !u.ok(get) {
			var states []string
			for _, p := range u.paths {
				c, ok := got[p]
				states = append(states, fmt.Sprintf("%s present=%v %d bytes %.40q", p, ok, len(c), c))
			}
			bad[u.paths[0]] = fmt.Sprintf("LOST: the server holds a state the unacknowledged %s cannot have left "+
				"(the content acknowledged before it must be under one of its names): %s", u.desc, strings.Join(states, "; "))
		}
	}
	return bad
}

// relWorker does random work through the mount until an operation fails
// (the daemon was killed).
type relWorker struct {
	m       *machine
	mdl     *relKillModel
	rng     *rand.Rand
	session int

	acked    atomic.Int64 // operations acknowledged so far
	killed   atomic.Bool  // set just before the SIGKILL
	finished atomic.Bool

	// Read after run returns.
	ackedOps, ackedNoSync int
	earlyErr              error // an operation failed while the daemon was alive
	uncertain             *relUncertain
	ops                   []string
}

func (w *relWorker) lastOp() string {
	if len(w.ops) == 0 {
		return "no operation"
	}
	return fmt.Sprintf("%d operations, the last %s", len(w.ops), w.ops[len(w.ops)-1])
}

func (w *relWorker) run() {
	defer w.finished.Store(true)
	for n := 0; ; n++ {
		op := w.pick(n)
		w.ops = append(w.ops, op.desc)
		if err := op.do(); err != nil {
			if !w.killed.Load() {
				w.earlyErr = fmt.Errorf("%s: %w (%s)", op.desc, err, relErrno(err))
			}
			u := op.uncertain
			u.desc = op.desc + " (" + relErrno(err) + ")"
			w.uncertain = &u
			return
		}
		op.apply()
		w.ackedOps++
		if op.write && !op.fsync {
			w.ackedNoSync++
		}
		w.acked.Add(1)
	}
}

// relKillOp is one operation: do runs it through the mount; apply records
// its acknowledged effect; uncertain describes what it may have left if it
// failed.
type relKillOp struct {
	desc         string
	write, fsync bool
	do           func() error
	apply        func()
	uncertain    relUncertain
}

// content is distinct for every operation: its name, then random bytes of a
// size from empty to 1 MiB, mostly small.
func (w *relWorker) content(tag string) string {
	var n int
	switch r := w.rng.IntN(10); {
	case r < 6:
		n = w.rng.IntN(4 << 10)
	case r < 9:
		n = w.rng.IntN(128 << 10)
	default:
		n = w.rng.IntN(1 << 20)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(w.rng.IntN(26))
	}
	return tag + "|" + string(b)
}

// files lists the present, certain files in a stable order.
func (w *relWorker) files() []string {
	var out []string
	for p := range w.mdl.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (w *relWorker) fresh() string {
	w.mdl.next++
	return path.Join(w.mdl.dirs[w.rng.IntN(len(w.mdl.dirs))], fmt.Sprintf("f%04d.txt", w.mdl.next))
}

func (w *relWorker) pick(n int) relKillOp {
	files := w.files()
	kind := "create"
	if len(files) > 3 {
		kind = []string{"create", "create", "overwrite", "overwrite", "append", "append", "rename", "delete"}[w.rng.IntN(8)]
	}
	fsync := w.rng.IntN(3) == 0
	tag := fmt.Sprintf("s%02d-op%03d-%s", w.session, n, kind)
	mdl, m := w.mdl, w.m
	var src string
	if kind != "create" {
		src = files[w.rng.IntN(len(files))]
	}
	old := mdl.files[src]
	prefixOf := func(full string) func(string) bool {
		return func(c string) bool { return strings.HasPrefix(full, c) }
	}
	one := func(p string, ok func(c string, present bool) bool) relUncertain {
		return relUncertain{paths: []string{p}, ok: func(get func(string) (string, bool)) bool { c, pr := get(p); return ok(c, pr) }}
	}
	switch kind {
	case "create":
		p, data := w.fresh(), w.content(tag)
		return relKillOp{
			desc: fmt.Sprintf("create %s (%d bytes, fsync %v)", p, len(data), fsync), write: true, fsync: fsync,
			do:    func() error { return relWrite(m.p(p), os.O_CREATE|os.O_EXCL, []byte(data), fsync) },
			apply: func() { mdl.files[p] = data },
			uncertain: one(p, func(c string, present bool) bool {
				return !present || prefixOf(data)(c)
			}),
		}
	case "overwrite":
		data := w.content(tag)
		return relKillOp{
			desc: fmt.Sprintf("overwrite %s (%d bytes, fsync %v)", src, len(data), fsync), write: true, fsync: fsync,
			do:    func() error { return relWrite(m.p(src), os.O_TRUNC, []byte(data), fsync) },
			apply: func() { mdl.files[src] = data },
			uncertain: one(src, func(c string, present bool) bool {
				return present && (c == old || prefixOf(data)(c))
			}),
		}
	case "append":
		suffix := w.content(tag)
		return relKillOp{
			desc: fmt.Sprintf("append %d bytes to %s (fsync %v)", len(suffix), src, fsync), write: true, fsync: fsync,
			do:    func() error { return relWrite(m.p(src), os.O_APPEND, []byte(suffix), fsync) },
			apply: func() { mdl.files[src] = old + suffix },
			uncertain: one(src, func(c string, present bool) bool {
				return present && strings.HasPrefix(c, old) && prefixOf(suffix)(c[len(old):])
			}),
		}
	case "rename":
		dst := w.fresh()
		if w.rng.IntN(3) == 0 && len(files) > 1 {
			for dst = src; dst == src; {
				dst = files[w.rng.IntN(len(files))]
			}
		}
		oldDst, dstPresent := mdl.files[dst]
		return relKillOp{
			desc: fmt.Sprintf("rename %s over %s (present %v)", src, dst, dstPresent),
			do:   func() error { return os.Rename(m.p(src), m.p(dst)) },
			apply: func() {
				mdl.files[dst] = old
				delete(mdl.files, src)
				delete(mdl.gone, dst)
				mdl.gone[src] = true
			},
			uncertain: relUncertain{paths: []string{src, dst}, ok: func(get func(string) (string, bool)) bool {
				s, sOK := get(src)
				d, dOK := get(dst)
				srcFine := !sOK || s == old
				dstFine := (dOK && d == old) || (dOK == dstPresent && d == oldDst)
				return srcFine && dstFine && ((sOK && s == old) || (dOK && d == old))
			}},
		}
	default: // delete
		return relKillOp{
			desc: "delete " + src,
			do:   func() error { return os.Remove(m.p(src)) },
			apply: func() {
				delete(mdl.files, src)
				mdl.gone[src] = true
			},
			uncertain: one(src, func(c string, present bool) bool { return !present || c == old }),
		}
	}
}

// TestReliabilityKilledBetweenRenameAndJournal pins down the window the
// random kills above hit now and then: the daemon renames in the cache
// first and journals the rename after (overlay.Profile.Rename), so a daemon
// killed between the two leaves a cache the journal does not describe. The
// rename itself was never acknowledged, but the content it moved was: b.txt
// holds an acknowledged write X that must stay on the server under one name
// or the other. strace holds the daemon right after its renameat2 returns,
// so the kill lands in that window every time.
func TestReliabilityKilledBetweenRenameAndJournal(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is needed to stop the daemon between the rename and its journal record")
	}
	server := newServer(t)
	m := newMachine(t, server)
	m.logon()
	write(t, m.p("Documents/a.txt"), "Y: synced at an earlier logoff")
	m.logoff()
	m.logon()
	const x = "X: acknowledged in this session, never uploaded"
	if err := relWrite(m.p("Documents/b.txt"), os.O_CREATE|os.O_EXCL, []byte(x), true); err != nil {
		t.Fatal(err)
	}

	stopTracing := relHoldAfterSyscall(t, m.pid, "renameat2")
	renamed := make(chan error, 1)
	go func() { renamed <- os.Rename(m.p("Documents/b.txt"), m.p("Documents/a.txt")) }()
	cacheA := filepath.Join(m.cache, "profile", "Documents", "a.txt")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got, _ := os.ReadFile(cacheA); string(got) == x {
			break // renameat2 is done in the cache; the daemon is held before journaling it
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not rename b.txt over a.txt in the cache within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
	// A traced process is reaped only once its tracer is gone: kill the
	// held daemon first, then strace.
	if pid := relStatusOf(t, m.cache).PID; pid != m.pid {
		t.Fatalf("status --json gives daemon pid %d; logon said %d", pid, m.pid)
	}
	if err := unix.Kill(m.pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	stopTracing()
	relWaitReaped(t, m.pid)
	m.pid = 0
	if err := <-renamed; err == nil {
		t.Errorf("the rename was acknowledged although the daemon was killed before journaling it")
	} else {
		t.Logf("the rename in flight got %s (not acknowledged)", relErrno(err))
	}
	relDetach(t, m.mnt)

	holdsX := func(when string) bool {
		t.Helper()
		a, _ := os.ReadFile(filepath.Join(server, "Documents/a.txt"))
		b, _ := os.ReadFile(filepath.Join(server, "Documents/b.txt"))
		if string(a) != x && string(b) != x {
			t.Errorf("%s: the acknowledged content of b.txt is on the server under neither name: a.txt %q, b.txt %q", when, a, b)
			return false
		}
		return true
	}
	if r := relRoamfs(t, "sync", "--cache", m.cache); r.code != 0 {
		t.Fatalf("roamfs sync --cache: exit %d: %s", r.code, r.stderr)
	}
	ok := holdsX("after `roamfs sync`")
	m.logon()
	if got, _ := os.ReadFile(m.p("Documents/a.txt")); string(got) != x {
		t.Logf("after the next logon the cache's a.txt holds %q: the logon merge took the server's Y over the unjournaled X", got)
	}
	m.logoff()
	ok = holdsX("after the next logon and logoff") && ok
	lost := 0
	if !ok {
		lost = 1
	}
	relReport(t, relRow{Fault: "daemon SIGKILLed between a rename in the cache and its journal record (strace-held)", Tried: 1, Acked: 1, Lost: lost,
		Note: "rename of a file written this session over a synced file"})
}

// relHoldAfterSyscall attaches strace to every thread of pid and makes each
// call of syscall return only after a long delay, holding the daemon between
// the call and what it does next. It returns once every thread is traced;
// the function it returns detaches strace.
func relHoldAfterSyscall(t *testing.T, pid int, syscall string) func() {
	t.Helper()
	cmd := exec.Command("strace", "-f", "-qq", "-o", "/dev/null", "-p", strconv.Itoa(pid),
		"-e", "trace="+syscall, "-e", "inject="+syscall+":delay_exit=60000000")
	if err := cmd.Start(); err != nil {
		t.Fatalf("strace: %v", err)
	}
	stop := func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(30 * time.Second)
	for !relAllTraced(pid) {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("strace did not attach to every thread of %d within 30 s", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return stop
}

// relAllTraced reports whether every thread of pid has a tracer.
func relAllTraced(pid int) bool {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
		if err != nil {
			return false
		}
		traced := false
		for _, l := range strings.Split(string(st), "\n") {
			if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
				traced = strings.TrimSpace(v) != "0"
			}
		}
		if !traced {
			return false
		}
	}
	return true
}
