package service

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"roamfs/event"
	"roamfs/internal/winpipe"
	"roamfs/internal/wintest"
	"roamfs/policy"
	"roamfs/store"
)

// steps records the order of the preparation's steps across the fakes.
type steps struct {
	mu  sync.Mutex
	log []string
}

func (s *steps) add(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, step)
}

func (s *steps) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// fakeHome keeps junctions as folders it remembers (Wine and Linux have no
// junctions); everything else is the real file system.
type fakeHome struct {
	steps   *steps
	mu      sync.Mutex
	links   map[string]string
	loaded  int // HiveLoaded answers true this many more times
	linkErr error
}

func (h *fakeHome) MakeHome(dir, sid string) error {
	h.steps.add("home")
	return os.MkdirAll(dir, 0o700)
}

func (h *fakeHome) Junction(link string) (string, bool, error) {
	h.mu.Lock()
	t, ok := h.links[link]
	h.mu.Unlock()
	if ok {
		return t, true, nil
	}
	_, err := os.Lstat(link)
	return "", false, err
}

func (h *fakeHome) Link(link, target string) error {
	if h.linkErr != nil {
		return h.linkErr
	}
	if err := os.Mkdir(link, 0o755); err != nil {
		return err
	}
	h.mu.Lock()
	h.links[link] = target
	h.mu.Unlock()
	h.steps.add("junction " + filepath.Base(link))
	return nil
}

func (h *fakeHome) Unlink(link string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.links[link]; !ok {
		return errors.New("not a junction")
	}
	delete(h.links, link)
	return os.Remove(link)
}

func (h *fakeHome) HiveLoaded(string) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.loaded > 0 {
		h.loaded--
		return true, nil
	}
	return false, nil
}

// volRunner mounts by copying the server copy's folders into the mount
// point, as the volume would show them.
type volRunner struct {
	steps   *steps
	server  string
	mu      sync.Mutex
	mounted map[string]bool
	delay   time.Duration
}

func (r *volRunner) Logon(_ context.Context, p Profile) error {
	time.Sleep(r.delay)
	r.steps.add("mount")
	if _, err := os.Lstat(p.MountPoint); err == nil {
		return errors.New("WinFsp mounts only where nothing is")
	}
	err := filepath.WalkDir(r.server, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(r.server, path)
		return os.MkdirAll(filepath.Join(p.MountPoint, rel), 0o755)
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.mounted[p.MountPoint] = true
	r.mu.Unlock()
	return nil
}

func (r *volRunner) Logoff(_ context.Context, p Profile) error {
	r.mu.Lock()
	delete(r.mounted, p.MountPoint)
	r.mu.Unlock()
	err := wintest.RemoveTree(p.MountPoint)
	r.steps.add("logoff") // last: a test waiting for it may end and clean up
	return err
}

func (r *volRunner) Mounted(p Profile) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mounted[p.MountPoint]
}

// homeLocator puts alice's profile folder and mount point under root.
type homeLocator struct{ root string }

func (l homeLocator) Locate(u User) (Profile, error) {
	if u.SID != "S-1-5-21-1-2-3-1001" {
		return Profile{}, ErrNotRoaming
	}
	return Profile{User: u, Server: filepath.Join(l.root, "server"), Cache: filepath.Join(l.root, "cache"),
		MountPoint: filepath.Join(l.root, "mnt", u.SID), Home: filepath.Join(l.root, "Users", u.Name)}, nil
}

var alice = User{Name: "alice", Domain: "CORP", SID: "S-1-5-21-1-2-3-1001"}

type prepEnv struct {
	root, server, home, mnt string
	ctl                     *Controller
	home_                   *fakeHome
	run                     *volRunner
	steps                   *steps
	pol                     *policy.Policy
	logs                    *observer.ObservedLogs
}

var (
	tServer = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tOld    = tServer.Add(-time.Hour)
	tNew    = tServer.Add(time.Hour)
)

// newPrepEnv makes a server copy (a hive, Desktop, Documents, AppData with
// Roaming and Local) and a controller in the Windows layout over fakes.
func newPrepEnv(t *testing.T) *prepEnv {
	t.Helper()
	root := wintest.TempDir(t)
	e := &prepEnv{root: root, server: filepath.Join(root, "server"), home: filepath.Join(root, "Users", "alice"),
		mnt: filepath.Join(root, "mnt", alice.SID), steps: &steps{}, pol: policy.Default()}
	for _, d := range []string{"Desktop", "Documents", "AppData/Roaming/Microsoft", "AppData/Local/Temp", "Downloads"} {
		if err := os.MkdirAll(filepath.Join(e.server, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(e.server, "NTUSER.DAT"), "server hive", tServer)
	e.pol.ExcludeProfileDirs = "Downloads"
	e.home_ = &fakeHome{steps: e.steps, links: map[string]string{}}
	e.run = &volRunner{steps: e.steps, server: e.server, mounted: map[string]bool{}}
	core, logs := observer.New(zap.DebugLevel)
	e.logs = logs
	e.ctl = New(homeLocator{root}, e.run, zap.New(core))
	e.ctl.SetPreparer(&Preparer{
		Home: e.home_,
		Open: func(_ context.Context, server string) (store.Store, error) {
			e.steps.add("hive")
			return store.OpenDir(server, false)
		},
		Policy:     func(User) (*policy.Policy, error) { return e.pol, nil },
		UnloadWait: 5 * time.Second,
		Now:        func() time.Time { return tNew },
	})
	return e
}

func writeFile(t *testing.T, p, content string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *prepEnv) events() []int {
	var ids []int
	for _, l := range e.logs.All() {
		if id, ok := l.ContextMap()["event_id"].(int64); ok {
			ids = append(ids, int(id))
		}
	}
	return ids
}

// The hive before the mount before the junctions: Windows must find the
// hive before it loads it, and a junction must lead into a mounted volume.
// AppData stays a real folder holding the junction AppData\Roaming; the
// nonroaming folders (AppData\Local, Downloads by policy) get none.
func TestPrepareOrder(t *testing.T) {
	e := newPrepEnv(t)
	if err := e.ctl.Prepare(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	want := []string{"home", "hive", "mount", "junction Roaming", "junction Desktop", "junction Documents"}
	if got := e.steps.list(); !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
	hive := filepath.Join(e.home, "NTUSER.DAT")
	if got := readFile(t, hive); got != "server hive" {
		t.Errorf("hive %q", got)
	}
	if fi, err := os.Stat(hive); err != nil || !fi.ModTime().Equal(tServer) {
		t.Errorf("the hive's mtime is not the server's: %v %v", fi.ModTime(), err)
	}
	for link, target := range map[string]string{
		"Desktop":         "Desktop",
		"Documents":       "Documents",
		"AppData/Roaming": "AppData/Roaming",
	} {
		l := filepath.Join(e.home, filepath.FromSlash(link))
		if got, ok, _ := e.home_.Junction(l); !ok || got != filepath.Join(e.mnt, filepath.FromSlash(target)) {
			t.Errorf("%s: junction to %q (%v)", link, got, ok)
		}
	}
	if _, ok, err := e.home_.Junction(filepath.Join(e.home, "AppData")); ok || err != nil {
		t.Errorf("AppData must be a real folder: junction %v, %v", ok, err)
	}
	// A second Prepare (another session of the user) changes nothing.
	n := len(e.steps.list())
	if err := e.ctl.Prepare(context.Background(), alice); err != nil || len(e.steps.list()) != n {
		t.Errorf("second Prepare: %v, steps %q", err, e.steps.list()[n:])
	}
	// The session that follows counts on the prepared mount.
	if err := e.ctl.Handle(context.Background(), Event{Kind: Logon, Session: 2, User: alice}); err != nil {
		t.Fatal(err)
	}
	if got := e.steps.list(); slices.Contains(got[n:], "mount") {
		t.Errorf("the session mounted again: %q", got[n:])
	}
}

func TestPrepareNotRoaming(t *testing.T) {
	e := newPrepEnv(t)
	err := e.ctl.Prepare(context.Background(), User{Name: "bob", SID: "S-1-5-21-1-2-3-1002"})
	if !errors.Is(err, ErrNotRoaming) {
		t.Fatalf("Prepare = %v, want ErrNotRoaming", err)
	}
	if got := e.steps.list(); len(got) != 0 {
		t.Errorf("steps %q for a user who does not roam", got)
	}
}

// What was in a junction's place: a folder with files is renamed and kept,
// never deleted; an empty folder goes; a junction leading elsewhere is
// replaced; a junction into the volume whose folder is gone is removed.
func TestPrepareJunctionPlaces(t *testing.T) {
	e := newPrepEnv(t)
	writeFile(t, filepath.Join(e.home, "Documents", "thesis.docx"), "mine", tOld)
	if err := os.MkdirAll(filepath.Join(e.home, "Desktop"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.home_.links[filepath.Join(e.home, "AppData", "Roaming")] = `D:\elsewhere`
	if err := os.MkdirAll(filepath.Join(e.home, "AppData", "Roaming"), 0o755); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(e.home, "Favorites")
	e.home_.links[gone] = filepath.Join(e.mnt, "Favorites")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := e.ctl.Prepare(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	aside := filepath.Join(e.home, "Documents.roamfs-local-"+tNew.Format("20060102T150405"))
	if got := readFile(t, filepath.Join(aside, "thesis.docx")); got != "mine" {
		t.Errorf("the local file moved aside holds %q", got)
	}
	if !slices.Contains(e.events(), event.FolderMovedAside) {
		t.Errorf("events %v: no %d", e.events(), event.FolderMovedAside)
	}
	for _, l := range []string{"Documents", "Desktop", filepath.Join("AppData", "Roaming")} {
		if got, ok, _ := e.home_.Junction(filepath.Join(e.home, l)); !ok || !strings.HasPrefix(got, e.mnt) {
			t.Errorf("%s: junction to %q (%v)", l, got, ok)
		}
	}
	if _, err := os.Lstat(gone); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the junction of a folder deleted from the profile is still there: %v", err)
	}
	// Again, with the moved-aside name taken: another name, still kept.
	e.ctl.Shutdown(context.Background())
	e.ctl.closing = false
	delete(e.home_.links, filepath.Join(e.home, "Documents"))
	writeFile(t, filepath.Join(e.home, "Documents", "notes.txt"), "more", tOld)
	if err := e.ctl.Prepare(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(aside+"-2", "notes.txt")); got != "more" {
		t.Errorf("second folder moved aside holds %q", got)
	}
}

// A junction that cannot be placed (Wine, a policy) is reported; the logon
// goes on with that folder local.
func TestPrepareJunctionFails(t *testing.T) {
	e := newPrepEnv(t)
	e.home_.linkErr = errors.New("Request not supported")
	if err := e.ctl.Prepare(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(e.events(), event.JunctionFailed) {
		t.Errorf("events %v: no %d", e.events(), event.JunctionFailed)
	}
}

// Newer wins between the server's hive and the one in the profile folder,
// both ways round; a replaced hive is kept with its logs.
func TestPrepareHiveNewerWins(t *testing.T) {
	for _, tc := range []struct {
		name        string
		local       string // "" = none
		localTime   time.Time
		loaded      bool
		wantLocal   string
		wantServer  string
		wantEvent   int
		wantPrevLog bool
	}{
		{name: "first logon here", wantLocal: "server hive", wantServer: "server hive", wantEvent: event.HivePrepared},
		{name: "server newer", local: "old hive", localTime: tOld, wantLocal: "server hive", wantServer: "server hive",
			wantEvent: event.HivePrepared, wantPrevLog: true},
		{name: "local newer", local: "new hive", localTime: tNew, wantLocal: "new hive", wantServer: "new hive", wantEvent: event.HiveUploaded},
		{name: "same", local: "server hive", localTime: tServer, wantLocal: "server hive", wantServer: "server hive"},
		{name: "loaded already", local: "old hive", localTime: tOld, loaded: true, wantLocal: "old hive", wantServer: "server hive",
			wantEvent: event.HiveLoadedFirst},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newPrepEnv(t)
			hive := filepath.Join(e.home, "ntuser.dat") // Windows' spelling differs from the server's
			if tc.local != "" {
				writeFile(t, hive, tc.local, tc.localTime)
				writeFile(t, hive+".LOG1", "log", tc.localTime)
			} else {
				hive = filepath.Join(e.home, "NTUSER.DAT")
			}
			if tc.loaded {
				e.home_.loaded = 1
			}
			if err := e.ctl.Prepare(context.Background(), alice); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, hive); got != tc.wantLocal {
				t.Errorf("local hive %q, want %q", got, tc.wantLocal)
			}
			if got := readFile(t, filepath.Join(e.server, "NTUSER.DAT")); got != tc.wantServer {
				t.Errorf("server hive %q, want %q", got, tc.wantServer)
			}
			if tc.wantEvent != 0 && !slices.Contains(e.events(), tc.wantEvent) {
				t.Errorf("events %v: no %d", e.events(), tc.wantEvent)
			}
			_, err := os.Stat(filepath.Join(e.home, "ntuser.dat.roamfs-previous.LOG1"))
			if tc.wantPrevLog != (err == nil) {
				t.Errorf("previous hive's log kept: %v, want %v", err == nil, tc.wantPrevLog)
			}
			if tc.wantPrevLog && readFile(t, filepath.Join(e.home, "ntuser.dat.roamfs-previous")) != tc.local {
				t.Errorf("the replaced hive was not kept")
			}
		})
	}
}

// Logoff: the hive goes up once Windows has unloaded it, then the volume
// is synced and unmounted; the junctions stay.
func TestPrepareLogoff(t *testing.T) {
	e := newPrepEnv(t)
	ctx := context.Background()
	if err := e.ctl.Prepare(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if err := e.ctl.Handle(ctx, Event{Kind: Logon, Session: 3, User: alice}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(e.home, "NTUSER.DAT"), "session hive", tNew)
	e.home_.loaded = 2 // unloaded on the third look
	n := len(e.steps.list())
	if err := e.ctl.Handle(ctx, Event{Kind: Logoff, Session: 3}); err != nil {
		t.Fatal(err)
	}
	if got, want := e.steps.list()[n:], []string{"hive", "logoff"}; !slices.Equal(got, want) {
		t.Errorf("logoff steps %q, want %q", got, want)
	}
	if got := readFile(t, filepath.Join(e.server, "NTUSER.DAT")); got != "session hive" {
		t.Errorf("server hive %q after logoff", got)
	}
	if _, ok, _ := e.home_.Junction(filepath.Join(e.home, "Documents")); !ok {
		t.Errorf("the junction went at logoff")
	}
}

// A hive still loaded when the wait runs out is not uploaded (it cannot be
// read); the volume still syncs, and the next preparation sends the hive.
func TestPrepareLogoffHiveStillLoaded(t *testing.T) {
	e := newPrepEnv(t)
	ctx := context.Background()
	e.ctl.prep.UnloadWait = 0
	if err := e.ctl.Prepare(ctx, alice); err != nil {
		t.Fatal(err)
	}
	e.ctl.Handle(ctx, Event{Kind: Logon, Session: 3, User: alice})
	writeFile(t, filepath.Join(e.home, "NTUSER.DAT"), "session hive", tNew)
	e.home_.loaded = 1
	if err := e.ctl.Handle(ctx, Event{Kind: Logoff, Session: 3}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(e.events(), event.HiveStillLoaded) || !slices.Contains(e.steps.list(), "logoff") {
		t.Errorf("events %v, steps %q", e.events(), e.steps.list())
	}
	if err := e.ctl.Prepare(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(e.server, "NTUSER.DAT")); got != "session hive" {
		t.Errorf("server hive %q after the next preparation", got)
	}
}

// A profile prepared for a logon that never came is logged off again.
func TestPrepareOrphan(t *testing.T) {
	e := newPrepEnv(t)
	e.ctl.prep.OrphanWait = 50 * time.Millisecond
	if err := e.ctl.Prepare(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !slices.Contains(e.steps.list(), "logoff"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the orphan profile was not logged off: %q", e.steps.list())
		}
	}
}

// The session's WTS_SESSION_LOGON arriving while a Prepare still runs (the
// network provider's wait ran out: "later") waits for it and mounts nothing
// twice.
func TestPrepareInBackground(t *testing.T) {
	e := newPrepEnv(t)
	e.run.delay = 200 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- e.ctl.Prepare(context.Background(), alice) }()
	time.Sleep(50 * time.Millisecond)
	if err := e.ctl.Handle(context.Background(), Event{Kind: Logon, Session: 4, User: alice}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mounts := 0
	for _, s := range e.steps.list() {
		if s == "mount" {
			mounts++
		}
	}
	if mounts != 1 {
		t.Errorf("%d mounts: %q", mounts, e.steps.list())
	}
}

// Without the network provider the session's logon prepares: the hive is
// loaded by then and stays; a newer one on the server is reported.
func TestPrepareAtSessionLogon(t *testing.T) {
	e := newPrepEnv(t)
	writeFile(t, filepath.Join(e.home, "NTUSER.DAT"), "old hive", tOld)
	e.home_.loaded = 1
	if err := e.ctl.Handle(context.Background(), Event{Kind: Logon, Session: 5, User: alice}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(e.home, "NTUSER.DAT")); got != "old hive" {
		t.Errorf("the loaded hive was replaced: %q", got)
	}
	if !slices.Contains(e.events(), event.HiveLoadedFirst) {
		t.Errorf("events %v: no %d", e.events(), event.HiveLoadedFirst)
	}
	if _, ok, _ := e.home_.Junction(filepath.Join(e.home, "Documents")); !ok {
		t.Errorf("no junctions at the session's logon")
	}
}

// At service start the hive of a user known here is brought in (no mount);
// a user whose hive is loaded is left alone.
func TestPrepareKnown(t *testing.T) {
	e := newPrepEnv(t)
	writeFile(t, filepath.Join(e.home, "NTUSER.DAT"), "old hive", tOld)
	if err := e.ctl.PrepareKnown(context.Background(), []User{alice, {Name: "bob", SID: "S-1-5-21-1-2-3-1002"}}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(e.home, "NTUSER.DAT")); got != "server hive" {
		t.Errorf("hive %q", got)
	}
	if got := e.steps.list(); !slices.Equal(got, []string{"hive"}) {
		t.Errorf("steps %q, want the hive alone", got)
	}
	e.home_.loaded = 1
	writeFile(t, filepath.Join(e.home, "NTUSER.DAT"), "loaded hive", tOld)
	if err := e.ctl.PrepareKnown(context.Background(), []User{alice}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(e.home, "NTUSER.DAT")); got != "loaded hive" {
		t.Errorf("a loaded hive was replaced: %q", got)
	}
}

func TestRequestUser(t *testing.T) {
	lookup := func(domain, name string) (User, error) {
		if name == "alice@corp.example" || domain == "CORP" && name == "alice" {
			return alice, nil
		}
		return User{}, errors.New("no such account")
	}
	for _, tc := range []struct {
		req  winpipe.Request
		want User
		ok   bool
	}{
		{winpipe.Request{Domain: "CORP", User: "alice", SID: alice.SID}, alice, true},
		{winpipe.Request{Domain: "CORP", User: "alice"}, alice, true},
		{winpipe.Request{User: "alice@corp.example"}, alice, true},
		{winpipe.Request{Domain: "CORP", User: "mallory"}, User{}, false},
	} {
		got, err := RequestUser(tc.req, lookup)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("RequestUser(%+v) = %+v, %v", tc.req, got, err)
		}
	}
}

// A server copy that is away does not stop the preparation: the session
// logs on with its cache, Windows with the hive the folder holds.
func TestPrepareServerAway(t *testing.T) {
	e := newPrepEnv(t)
	e.ctl.prep.Open = func(context.Context, string) (store.Store, error) { return nil, errors.New("network name gone") }
	if err := e.ctl.Prepare(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(e.events(), event.PrepareFailed) || !slices.Contains(e.steps.list(), "mount") {
		t.Errorf("events %v, steps %q", e.events(), e.steps.list())
	}
	// A new profile: no server folder yet, nothing to report.
	e2 := newPrepEnv(t)
	if err := os.Rename(e2.server, e2.server+".not"); err != nil {
		t.Fatal(err)
	}
	e2.run.server = e2.server + ".not"
	if err := e2.ctl.Prepare(context.Background(), alice); err != nil || slices.Contains(e2.events(), event.PrepareFailed) {
		t.Errorf("Prepare of a new profile: %v, events %v", err, e2.events())
	}
}
