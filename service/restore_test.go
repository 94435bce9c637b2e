package service

import (
	"context"
	"fmt"
	"testing"
)

// TestControllerRestore: a controller that lives for one event (the PAM
// hook) counts what an earlier one counted: a restored mounted profile is
// shared by a new session and synced by the last logoff; a restored session
// whose profile is no longer mounted gets a fresh mount at the next logon.
func TestControllerRestore(t *testing.T) {
	ctx := context.Background()
	r := &fakeRunner{mounted: map[string]bool{}}
	loc := mapLocator{"S-A": "/mnt/a", "S-B": "/mnt/b"}
	step := func(restore []Session, ev Event) []uint32 {
		t.Helper()
		ctl := New(loc, r, nil)
		ctl.Restore(restore)
		if err := ctl.Handle(ctx, ev); err != nil {
			t.Fatalf("%v of session %d: %v", ev.Kind, ev.Session, err)
		}
		return ctl.Sessions()
	}
	step(nil, Event{Kind: Logon, Session: 1, User: uA})
	got := step([]Session{{ID: 1, User: uA}}, Event{Kind: Logon, Session: 2, User: uA})
	if fmt.Sprint(got) != "[1 2]" || len(r.calls) != 1 {
		t.Fatalf("second session: sessions %v, calls %v; want [1 2] and one logon", got, r.calls)
	}
	got = step([]Session{{ID: 1, User: uA}, {ID: 2, User: uA}}, Event{Kind: Logoff, Session: 1})
	if fmt.Sprint(got) != "[2]" || !r.mounted["/mnt/a"] {
		t.Fatalf("first logoff: sessions %v, mounted %v; want [2] still mounted", got, r.mounted)
	}
	got = step([]Session{{ID: 2, User: uA}}, Event{Kind: Logoff, Session: 2})
	if len(got) != 0 || r.mounted["/mnt/a"] || r.calls[len(r.calls)-1] != "logoff /mnt/a" {
		t.Fatalf("last logoff: sessions %v, mounted %v, calls %v", got, r.mounted, r.calls)
	}

	// Counted, but unmounted since (an eject): the next logon mounts again.
	got = step([]Session{{ID: 7, User: uB}}, Event{Kind: Logon, Session: 8, User: uB})
	if fmt.Sprint(got) != "[7 8]" || !r.mounted["/mnt/b"] {
		t.Fatalf("logon after an eject: sessions %v, mounted %v", got, r.mounted)
	}
}
