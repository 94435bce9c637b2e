package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestReconcile(t *testing.T) {
	ctl, r := newTestController()
	ctx := context.Background()
	steps := []struct {
		live    []Session
		mounted []string
	}{
		{nil, nil},
		{[]Session{{1, uA}}, []string{"/mnt/a"}},
		{[]Session{{1, uA}, {2, uA}, {3, uB}, {4, uN}}, []string{"/mnt/a", "/mnt/b"}},
		{[]Session{{2, uA}, {3, uB}, {4, uN}}, []string{"/mnt/a", "/mnt/b"}}, // one of alice's two sessions ended
		{[]Session{{2, User{}}, {4, uN}}, []string{"/mnt/a"}},                // alice's session listed without its user: kept
		{[]Session{{4, uN}, {9, User{}}}, nil},
		// A session that logged on and off between two listings never shows:
		// nothing to do. A new session of a user whose sessions all ended in
		// the same interval: logoff first, then logon again.
		{[]Session{{5, uA}}, []string{"/mnt/a"}},
		{[]Session{{6, uA}}, []string{"/mnt/a"}},
	}
	for i, s := range steps {
		if err := ctl.Reconcile(ctx, s.live); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := sorted(ctl.Mounted()); len(got) != len(s.mounted) || (len(got) > 0 && got[0] != s.mounted[0]) || (len(got) > 1 && got[1] != s.mounted[1]) {
			t.Fatalf("step %d: mounted %v, want %v (calls %v)", i, got, s.mounted, r.calls)
		}
	}
	// Step 6 replaced session 5 by 6: alice's profile was synced and mounted
	// again, in that order.
	n := len(r.calls)
	if n < 2 || r.calls[n-2] != "logoff /mnt/a" || r.calls[n-1] != "logon /mnt/a" {
		t.Errorf("calls end %v, want logoff then logon of /mnt/a", r.calls)
	}
}

// TestReconcileAfterRestart: a service restarted after a crash knows no
// sessions; its first listing adopts the users' sessions. A profile that is
// still mounted from before counts as this session's mount (the runner says
// it is mounted), so the logon does not fail as "already mounted".
func TestReconcileAfterRestart(t *testing.T) {
	ctl, r := newTestController()
	r.mounted["/mnt/a"] = true // left by the crashed service's daemon
	if err := ctl.Reconcile(context.Background(), []Session{{7, uA}}); err != nil {
		t.Fatalf("first listing after a restart: %v (calls %v)", err, r.calls)
	}
	if got := ctl.Mounted(); len(got) != 1 {
		t.Fatalf("mounted %v, want alice's profile adopted", got)
	}
	if err := ctl.Reconcile(context.Background(), nil); err != nil || r.mounted["/mnt/a"] {
		t.Fatalf("logoff after the restart: %v, runner %v", err, r.mounted)
	}
}

// TestReconcileConcurrentUsers: one user's slow logoff does not hold another
// user's logon.
func TestReconcileConcurrentUsers(t *testing.T) {
	r := &blockingRunner{fakeRunner: fakeRunner{mounted: map[string]bool{}}, release: make(chan struct{})}
	ctl := New(mapLocator{"S-A": "/mnt/a", "S-B": "/mnt/b"}, r, nil)
	ctx := context.Background()
	if err := ctl.Reconcile(ctx, []Session{{1, uA}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var err error
	wg.Go(func() { err = ctl.Reconcile(ctx, []Session{{2, uB}}) }) // alice gone (blocks), bob new
	// bob's logon must finish while alice's logoff is held.
	for deadline := time.Now().Add(10 * time.Second); !r.fakeRunner.Mounted(Profile{MountPoint: "/mnt/b"}); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(r.release)
			t.Fatal("bob's logon waited for alice's logoff")
		}
	}
	close(r.release)
	wg.Wait()
	if err != nil || r.fakeRunner.Mounted(Profile{MountPoint: "/mnt/a"}) {
		t.Fatalf("after the held logoff: %v, runner %v", err, r.mounted)
	}
}

// blockingRunner holds every logoff until release is closed.
type blockingRunner struct {
	fakeRunner
	release chan struct{}
}

func (b *blockingRunner) Logoff(ctx context.Context, p Profile) error {
	select {
	case <-b.release:
	case <-ctx.Done():
		return errors.New("cancelled")
	}
	return b.fakeRunner.Logoff(ctx, p)
}
