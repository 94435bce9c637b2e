package session_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"roamfs/cachedir"
	"roamfs/journal"
	"roamfs/overlay"
	"roamfs/policy"
	"roamfs/session"
	"roamfs/store"
	"roamfs/store/storetest"
)

// fakeMount is a MountFunc that mounts nothing: the test drives the overlay
// it was given in-process, and unmounts as umount would.
type fakeMount struct {
	mu      sync.Mutex
	prof    *overlay.Profile
	busy    error // Unmount fails with it while set, as with programs in the mount
	gone    chan struct{}
	hold    chan struct{} // when set, mount waits for it to close: a slow logon
	unmount sync.Once
}

func newFakeMount() *fakeMount { return &fakeMount{gone: make(chan struct{})} }

func (m *fakeMount) mount(_ string, p *overlay.Profile, _ cachedir.Layout, _ bool) (session.Mounted, error) {
	if m.hold != nil {
		<-m.hold
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prof = p
	return m, nil
}

func (m *fakeMount) Wait() { <-m.gone }

func (m *fakeMount) Unmount() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.busy != nil {
		return m.busy
	}
	m.unmount.Do(func() { close(m.gone) })
	return nil
}

func (m *fakeMount) setBusy(err error) {
	m.mu.Lock()
	m.busy = err
	m.mu.Unlock()
}

func (m *fakeMount) profile() *overlay.Profile {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.prof
}

func (m *fakeMount) mounted() bool {
	select {
	case <-m.gone:
		return false
	default:
		return true
	}
}

// rig is one machine: a cache, a server directory behind the fault-injecting
// store, a fake mount and an observed log.
type rig struct {
	t      *testing.T
	server string
	layout cachedir.Layout
	mnt    *fakeMount
	cfg    session.Config
	logs   *observer.ObservedLogs

	mu     sync.Mutex
	faulty *storetest.Faulty // the server copy the last session opened
}

func newRig(t *testing.T) *rig {
	t.Helper()
	l, err := cachedir.New(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	r := &rig{t: t, server: filepath.Join(t.TempDir(), "server", "alice"), layout: l, logs: logs}
	r.cfg = session.Config{
		Server: r.server, Mountpoint: "/nowhere/mnt", Layout: l, Policy: policy.Default(),
		User: session.User{Name: "alice"}, Log: zap.New(core), OpenStore: r.openStore,
	}
	return r
}

func (r *rig) openStore(dir string, create bool) (store.Store, error) {
	d, err := store.OpenDir(dir, create)
	if err != nil {
		return nil, err
	}
	f := storetest.NewFaulty(d)
	r.mu.Lock()
	r.faulty = f
	r.mu.Unlock()
	return f, nil
}

func (r *rig) store() *storetest.Faulty {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.faulty
}

// start runs a session (session.Run) until it says it is ready; done gets
// Run's result.
func (r *rig) start() (done <-chan error) {
	r.t.Helper()
	r.mnt = newFakeMount()
	cfg := r.cfg
	cfg.Mount = r.mnt.mount
	ready, end := make(chan error, 1), make(chan error, 1)
	go func() { end <- session.Run(context.Background(), cfg, func(err error) { ready <- err }) }()
	select {
	case err := <-ready:
		if err != nil {
			r.t.Fatalf("logon: %v", err)
		}
	case <-time.After(time.Minute):
		r.t.Fatal("the session was not ready after a minute")
	}
	return end
}

// client dials the running session.
func (r *rig) client() *session.Client {
	r.t.Helper()
	c, err := session.Dial(r.layout)
	if err != nil {
		r.t.Fatalf("dial the session: %v", err)
	}
	return c
}

// wait waits for Run to return.
func (r *rig) wait(done <-chan error) error {
	r.t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		r.t.Fatal("the session did not end a minute after its logoff")
		return nil
	}
}

// write creates (or replaces) rel through the overlay, as a program writing
// through the mount does.
func (r *rig) write(rel, data string) {
	r.t.Helper()
	p := r.mnt.profile()
	h, _, err := p.Create(rel, os.O_WRONLY|os.O_TRUNC, 0o644, nil)
	if err != nil {
		r.t.Fatalf("create %s: %v", rel, err)
	}
	if _, err := h.WriteAt([]byte(data), 0); err != nil {
		r.t.Fatalf("write %s: %v", rel, err)
	}
	if err := h.Release(rel); err != nil {
		r.t.Fatalf("close %s: %v", rel, err)
	}
}

// serverFile is rel's content on the server, or the error reading it.
func (r *rig) serverFile(rel string) string {
	b, err := os.ReadFile(filepath.Join(r.server, filepath.FromSlash(rel)))
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// pending counts the journal's unsynced entries with no session running.
func (r *rig) pending() int {
	r.t.Helper()
	j, err := journal.Open(r.layout.Journal(), journal.Options{})
	if err != nil {
		r.t.Fatalf("open the journal after the session: %v", err)
	}
	defer j.Close()
	return j.PendingCount()
}

// logged counts the log entries with this message.
func (r *rig) logged(msg string) int { return r.logs.FilterMessage(msg).Len() }

var errShare = errors.New("connection to the share reset") // transient: retried
