package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"roamfs/event"
	"roamfs/service"
)

// svcLocator is the Windows ProfileList in miniature: SID → where the user's
// profile lives. A SID it does not know has no roaming profile.
type svcLocator map[string]service.Profile

func (l svcLocator) Locate(u service.User) (service.Profile, error) {
	p, ok := l[u.SID]
	if !ok {
		return service.Profile{}, fmt.Errorf("%s: %w", u.Account(), service.ErrNotRoaming)
	}
	p.User = u
	return p, nil
}

func svcProfile(m *machine) service.Profile {
	return service.Profile{Server: m.server, Cache: m.cache, MountPoint: m.mnt, PolicyFile: m.policy}
}

// TestServiceSessions drives the logon service's controller with the session
// changes Windows would report, through the built binary and real mounts: a
// user's second session shares the mount and only the last logoff syncs; a
// user without a roaming profile is left alone; shutdown logs everyone off.
func TestServiceSessions(t *testing.T) {
	alice := service.User{Name: hpAccount(t, "rftest").Name, Domain: "", SID: "S-1-5-21-100-1001"}
	bob := service.User{Name: hpAccount(t, "rfother").Name, SID: "S-1-5-21-100-1002"}
	carol := service.User{Name: "carol", SID: "S-1-5-21-100-1003"}
	ma, mb := newMachine(t, newServer(t)), newMachine(t, newServer(t))
	core, logs := observer.New(zap.InfoLevel)
	ctl := service.New(svcLocator{alice.SID: svcProfile(ma), bob.SID: svcProfile(mb)},
		service.Exec{Binary: roamfsBin}, zap.New(core))
	ctx := context.Background()
	handle := func(k service.Kind, sess uint32, u service.User) {
		t.Helper()
		if err := ctl.Handle(ctx, service.Event{Kind: k, Session: sess, User: u}); err != nil {
			t.Fatalf("%v of session %d (%s): %v", k, sess, u.Name, err)
		}
	}

	handle(service.Logon, 1, alice)
	if !isMounted(ma.mnt) {
		t.Fatal("alice's logon did not mount her profile")
	}
	write(t, ma.p("Documents/console.txt"), "from the console")
	handle(service.Logon, 2, alice) // a remote desktop session of the same user
	write(t, ma.p("Documents/rdp.txt"), "from remote desktop")
	handle(service.Logon, 3, carol)
	handle(service.Logon, 4, bob)
	write(t, mb.p("Desktop/bob.txt"), "bob's")
	if got := ctl.Mounted(); len(got) != 2 {
		t.Errorf("mounted %v, want alice's and bob's profiles", got)
	}

	handle(service.Logoff, 1, alice)
	if !isMounted(ma.mnt) {
		t.Fatal("alice's profile went away while her second session still runs")
	}
	handle(service.Logoff, 2, alice)
	if isMounted(ma.mnt) {
		t.Fatal("alice's last logoff left her profile mounted")
	}
	for rel, want := range map[string]string{"Documents/console.txt": "from the console", "Documents/rdp.txt": "from remote desktop"} {
		if got, err := os.ReadFile(filepath.Join(ma.server, rel)); err != nil || string(got) != want {
			t.Errorf("server %s after alice's logoff: %q, %v; want %q", rel, got, err, want)
		}
	}
	handle(service.Logoff, 3, carol)
	handle(service.Logoff, 99, alice) // a session the service never saw

	handle(service.Logon, 5, alice)
	if got, err := os.ReadFile(ma.p("Documents/rdp.txt")); err != nil || string(got) != "from remote desktop" {
		t.Errorf("alice's next logon: Documents/rdp.txt %q, %v", got, err)
	}
	if err := ctl.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if isMounted(ma.mnt) || isMounted(mb.mnt) {
		t.Fatal("shutdown left a profile mounted")
	}
	if got, err := os.ReadFile(filepath.Join(mb.server, "Desktop/bob.txt")); err != nil || string(got) != "bob's" {
		t.Errorf("server Desktop/bob.txt after shutdown: %q, %v", got, err)
	}

	// The daemons log events 1–4 themselves; the service logs what it did.
	for msg, want := range map[string]int{"logon: profile mounted": 3, "logoff: the server copy holds every change": 3} {
		if got := logs.FilterMessage(msg).Len(); got != want {
			t.Errorf("%q logged %d times, want %d", msg, got, want)
		}
	}
	if logs.FilterMessageSnippet("left to Windows").Len() != 1 {
		t.Error("carol's logon (no roaming profile) was not reported as left to Windows")
	}
}

// TestServiceLogonRefused: a logon the binary refuses (a bad policy file) is
// an error carrying the CLI's exit code and message, logged as event 1521,
// and leaves nothing mounted or counted.
func TestServiceLogonRefused(t *testing.T) {
	u := service.User{Name: hpAccount(t, "rftest").Name, SID: "S-1-5-21-100-2001"}
	m := newMachine(t, newServer(t))
	m.setPolicy("MaxProfileSize: many\n")
	core, logs := observer.New(zap.InfoLevel)
	ctl := service.New(svcLocator{u.SID: svcProfile(m)}, service.Exec{Binary: roamfsBin}, zap.New(core))
	err := ctl.Handle(context.Background(), service.Event{Kind: service.Logon, Session: 7, User: u})
	var ee *service.ExitError
	if !errors.As(err, &ee) || ee.Code != 2 {
		t.Fatalf("logon with a bad policy: %v; want the CLI's exit 2", err)
	}
	if isMounted(m.mnt) || len(ctl.Mounted()) != 0 {
		t.Fatal("a refused logon left something mounted")
	}
	if logs.FilterField(zap.Int("event_id", event.NewProfile)).Len() != 1 {
		t.Error("the refused logon was not logged as event 1521")
	}
	if err := ctl.Handle(context.Background(), service.Event{Kind: service.Logoff, Session: 7, User: u}); err != nil {
		t.Errorf("logoff of the refused session: %v", err)
	}
}

// TestServiceRestartAdopts: the service restarted while a user is logged on
// (a crash, an update) lists the sessions, finds the user's profile still
// served by its session daemon, adopts it, and syncs it at the logoff.
func TestServiceRestartAdopts(t *testing.T) {
	u := service.User{Name: hpAccount(t, "rftest").Name, SID: "S-1-5-21-100-3001"}
	m := newMachine(t, newServer(t))
	loc := svcLocator{u.SID: svcProfile(m)}
	ctx := context.Background()
	before := service.New(loc, service.Exec{Binary: roamfsBin}, nil)
	if err := before.Reconcile(ctx, []service.Session{{ID: 3, User: u}}); err != nil {
		t.Fatalf("logon: %v", err)
	}
	write(t, m.p("Documents/before-restart.txt"), "written before the restart")

	after := service.New(loc, service.Exec{Binary: roamfsBin}, nil) // the restarted service knows nothing
	if err := after.Reconcile(ctx, []service.Session{{ID: 3, User: u}}); err != nil {
		t.Fatalf("first listing after the restart: %v", err)
	}
	if got := after.Mounted(); len(got) != 1 || got[0] != m.mnt {
		t.Fatalf("after the restart the service serves %v, want %s adopted", got, m.mnt)
	}
	if err := after.Reconcile(ctx, nil); err != nil {
		t.Fatalf("logoff: %v", err)
	}
	if isMounted(m.mnt) {
		t.Fatal("the adopted profile is still mounted after the logoff")
	}
	if got, err := os.ReadFile(filepath.Join(m.server, "Documents/before-restart.txt")); err != nil || string(got) != "written before the restart" {
		t.Errorf("server copy after the logoff: %q, %v", got, err)
	}
}
