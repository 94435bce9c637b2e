package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// fakeRunner records mounts the way the binary would make them, and refuses
// a second mount at the same place as `roamfs logon` does.
type fakeRunner struct {
	mu      sync.Mutex
	mounted map[string]bool
	calls   []string
	failOn  string // "logon", "logoff" (fails after its unmount, like a sync to a gone server) or "refuse" (fails, mount kept)
}

func (f *fakeRunner) Mounted(p Profile) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mounted[p.MountPoint]
}

func (f *fakeRunner) Logon(_ context.Context, p Profile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "logon "+p.MountPoint)
	if f.failOn == "logon" {
		return errors.New("refused")
	}
	if f.mounted[p.MountPoint] {
		return fmt.Errorf("%s is already mounted", p.MountPoint)
	}
	f.mounted[p.MountPoint] = true
	return nil
}

func (f *fakeRunner) Logoff(_ context.Context, p Profile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "logoff "+p.MountPoint)
	if f.failOn == "refuse" {
		return errors.New("over the size limit")
	}
	if !f.mounted[p.MountPoint] {
		return fmt.Errorf("%s is not mounted", p.MountPoint)
	}
	delete(f.mounted, p.MountPoint)
	if f.failOn == "logoff" {
		return errors.New("server gone")
	}
	return nil
}

type mapLocator map[string]string // SID → mount point

func (l mapLocator) Locate(u User) (Profile, error) {
	mnt, ok := l[u.SID]
	if !ok {
		return Profile{}, ErrNotRoaming
	}
	return Profile{User: u, MountPoint: mnt, Server: `\\fs\p\` + u.Name, Cache: "cache-" + u.Name}, nil
}

var (
	uA = User{Name: "a", SID: "S-A"}
	uB = User{Name: "b", SID: "S-B"}
	uN = User{Name: "n", SID: "S-N"} // no roaming profile
)

func newTestController() (*Controller, *fakeRunner) {
	r := &fakeRunner{mounted: map[string]bool{}}
	return New(mapLocator{"S-A": "/mnt/a", "S-B": "/mnt/b"}, r, nil), r
}

func TestControllerSessions(t *testing.T) {
	type step struct {
		kind    Kind
		sess    uint32
		u       User
		mounted []string // after the step, sorted
	}
	for _, c := range []struct {
		name  string
		steps []step
		calls int
	}{
		{"one session", []step{{Logon, 1, uA, []string{"/mnt/a"}}, {Logoff, 1, uA, nil}}, 2},
		{"two sessions share the mount", []step{
			{Logon, 1, uA, []string{"/mnt/a"}}, {Logon, 2, uA, []string{"/mnt/a"}},
			{Logoff, 2, uA, []string{"/mnt/a"}}, {Logoff, 1, uA, nil}}, 2},
		{"two users", []step{
			{Logon, 1, uA, []string{"/mnt/a"}}, {Logon, 2, uB, []string{"/mnt/a", "/mnt/b"}},
			{Logoff, 1, uA, []string{"/mnt/b"}}, {Logoff, 2, uB, nil}}, 4},
		{"not roaming", []step{{Logon, 1, uN, nil}, {Logoff, 1, uN, nil}}, 0},
		{"unknown logoff", []step{{Logoff, 9, uA, nil}}, 0},
		{"logon again after logoff", []step{
			{Logon, 1, uA, []string{"/mnt/a"}}, {Logoff, 1, uA, nil}, {Logon, 2, uA, []string{"/mnt/a"}}}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl, r := newTestController()
			for i, s := range c.steps {
				if err := ctl.Handle(context.Background(), Event{Kind: s.kind, Session: s.sess, User: s.u}); err != nil {
					t.Fatalf("step %d (%v %d): %v", i, s.kind, s.sess, err)
				}
				if got := sorted(ctl.Mounted()); fmt.Sprint(got) != fmt.Sprint(s.mounted) {
					t.Fatalf("step %d (%v %d): mounted %v, want %v", i, s.kind, s.sess, got, s.mounted)
				}
			}
			if len(r.calls) != c.calls {
				t.Errorf("runner calls %v, want %d", r.calls, c.calls)
			}
		})
	}
}

func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	slices.Sort(s)
	return s
}

func TestControllerLogonFails(t *testing.T) {
	ctl, r := newTestController()
	r.failOn = "logon"
	if err := ctl.Handle(context.Background(), Event{Kind: Logon, Session: 1, User: uA}); err == nil {
		t.Fatal("a failed logon reported success")
	}
	r.failOn = ""
	// The session is forgotten: its logoff does nothing, a new logon mounts.
	if err := ctl.Handle(context.Background(), Event{Kind: Logoff, Session: 1, User: uA}); err != nil || len(r.calls) != 1 {
		t.Fatalf("logoff after a failed logon: %v, calls %v", err, r.calls)
	}
	if err := ctl.Handle(context.Background(), Event{Kind: Logon, Session: 2, User: uA}); err != nil || len(ctl.Mounted()) != 1 {
		t.Fatalf("logon after a failed one: %v, mounted %v", err, ctl.Mounted())
	}
}

// TestControllerLogoffRefused: a logoff refused with the mount kept (size
// limit) leaves the profile mounted; shutdown tries again.
func TestControllerLogoffRefused(t *testing.T) {
	ctl, r := newTestController()
	ctl.Handle(context.Background(), Event{Kind: Logon, Session: 1, User: uA})
	r.failOn = "refuse"
	if err := ctl.Handle(context.Background(), Event{Kind: Logoff, Session: 1, User: uA}); err == nil {
		t.Fatal("a refused logoff reported success")
	}
	if got := ctl.Mounted(); len(got) != 1 || !r.mounted["/mnt/a"] {
		t.Fatalf("after a refused logoff mounted %v, runner %v; want the profile kept", got, r.mounted)
	}
	r.failOn = ""
	if err := ctl.Shutdown(context.Background()); err != nil || len(ctl.Mounted()) != 0 || len(r.mounted) != 0 {
		t.Fatalf("shutdown: %v, mounted %v, runner %v", err, ctl.Mounted(), r.mounted)
	}
}

// TestControllerLogoffFailedAfterUnmount: the usual failure (the server went
// away during the sync) comes after the unmount; the next logon must mount
// again rather than count on a mount that is gone, and shutdown has nothing
// left to do.
func TestControllerLogoffFailedAfterUnmount(t *testing.T) {
	ctl, r := newTestController()
	ctx := context.Background()
	ctl.Handle(ctx, Event{Kind: Logon, Session: 1, User: uA})
	ctl.Handle(ctx, Event{Kind: Logon, Session: 2, User: uA})
	r.failOn = "logoff"
	ctl.Handle(ctx, Event{Kind: Logoff, Session: 1, User: uA})
	if err := ctl.Handle(ctx, Event{Kind: Logoff, Session: 2, User: uA}); err == nil {
		t.Fatal("a failed logoff reported success")
	}
	r.failOn = ""
	if err := ctl.Handle(ctx, Event{Kind: Logon, Session: 3, User: uA}); err != nil || !r.mounted["/mnt/a"] {
		t.Fatalf("logon after a failed logoff: %v, runner %v; want mounted again", err, r.mounted)
	}
	ctl.Handle(ctx, Event{Kind: Logoff, Session: 3, User: uA})
	if len(r.mounted) != 0 {
		t.Fatalf("runner %v after the last logoff", r.mounted)
	}
	// An eject while logged on: shutdown finds nothing mounted, calls nothing.
	ctl.Handle(ctx, Event{Kind: Logon, Session: 4, User: uA})
	delete(r.mounted, "/mnt/a")
	n := len(r.calls)
	if err := ctl.Shutdown(ctx); err != nil || len(r.calls) != n {
		t.Fatalf("shutdown after an eject: %v, calls %v", err, r.calls[n:])
	}
}

// TestControllerClosing: once shutdown has begun no logon mounts.
func TestControllerClosing(t *testing.T) {
	ctl, r := newTestController()
	if err := ctl.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := ctl.Handle(context.Background(), Event{Kind: Logon, Session: 1, User: uA})
	if !errors.Is(err, ErrClosing) || len(r.mounted) != 0 {
		t.Fatalf("logon during shutdown: %v, runner %v", err, r.mounted)
	}
}

// TestControllerRace: logons and logoffs of one user's sessions arriving at
// once (the SCM delivers them on separate goroutines here) never mount twice
// nor unmount a profile a session still uses.
func TestControllerRace(t *testing.T) {
	for round := 0; round < 50; round++ {
		ctl, r := newTestController()
		ctx := context.Background()
		ctl.Handle(ctx, Event{Kind: Logon, Session: 1, User: uA})
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		wg.Add(2)
		go func() { defer wg.Done(); errs <- ctl.Handle(ctx, Event{Kind: Logoff, Session: 1, User: uA}) }()
		go func() { defer wg.Done(); errs <- ctl.Handle(ctx, Event{Kind: Logon, Session: 2, User: uA}) }()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v (calls %v)", round, err, r.calls)
			}
		}
		if !r.mounted["/mnt/a"] || len(ctl.Mounted()) != 1 {
			t.Fatalf("round %d: session 2 is running but mounted=%v (calls %v)", round, r.mounted, r.calls)
		}
	}
}
