package session_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roamfs/session"
)

// TestControlAnswersDuringLogon: while a logon runs (the mount not there
// yet), status and journal answer over the control socket; what needs the
// mount (a dry run, a logoff) is told to wait for the logon, and works after.
func TestControlAnswersDuringLogon(t *testing.T) {
	r := newRig(t)
	mnt := newFakeMount()
	mnt.hold = make(chan struct{})
	cfg := r.cfg
	cfg.Mount = mnt.mount
	r.mnt = mnt
	ready, end := make(chan error, 1), make(chan error, 1)
	go func() { end <- session.Run(context.Background(), cfg, func(err error) { ready <- err }) }()

	var c *session.Client
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if c, err = session.Dial(r.layout); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the control socket did not answer during the logon: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, err := c.Status()
	if err != nil || st.Loaded {
		t.Errorf("status during the logon: %+v, %v; want an answer with Loaded false", st, err)
	}
	if _, err := c.Journal(false); err != nil {
		t.Errorf("journal during the logon: %v", err)
	}
	if _, err := c.DryRun(false); err == nil || !strings.Contains(err.Error(), "logging on") {
		t.Errorf("dry run during the logon: %v; want told to wait for the logon", err)
	}
	close(mnt.hold)
	if err := <-ready; err != nil {
		t.Fatalf("logon: %v", err)
	}
	if d, err := c.DryRun(false); err != nil || d.Code != session.Synced {
		t.Errorf("dry run after the logon: %+v, %v", d, err)
	}
	reply, err := c.Logoff(false)
	if err != nil || reply.Code != session.Synced {
		t.Fatalf("logoff: %+v, %v", reply, err)
	}
	if err := r.wait(end); err != nil {
		t.Fatal(err)
	}
}
