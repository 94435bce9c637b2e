package login

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"sync"
	"testing"

	"go.uber.org/zap"

	"roamfs/service"
)

// fakeRunner mounts in a map, as the binary would in the mount table.
type fakeRunner struct {
	mu      sync.Mutex
	mounted map[string]bool
	calls   []string
	fail    bool
}

func (f *fakeRunner) Logon(_ context.Context, p service.Profile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "logon")
	if f.fail {
		return errors.New("server unreachable")
	}
	f.mounted[p.MountPoint] = true
	return nil
}

func (f *fakeRunner) Logoff(_ context.Context, p service.Profile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "logoff")
	delete(f.mounted, p.MountPoint)
	return nil
}

func (f *fakeRunner) Mounted(p service.Profile) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mounted[p.MountPoint]
}

// process is a live process standing for a PAM session's process; end
// makes it a session that died without closing.
type process struct{ cmd *exec.Cmd }

func startProcess(t *testing.T) *process {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd}
	t.Cleanup(p.end)
	return p
}

func (p *process) end() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

func newTestHook(t *testing.T) (*Hook, *fakeRunner) {
	c := defaults()
	c.ServerPathTemplate = "/srv/%USERNAME%"
	c.StateDir = t.TempDir()
	lookup := func(name string) (Account, error) {
		if name == "sys" {
			return Account{Name: name, UID: 5}, nil
		}
		return Account{Name: name, UID: 2000, GID: 2000, Home: "/home/" + name}, nil
	}
	r := &fakeRunner{mounted: map[string]bool{}}
	return &Hook{Config: c, Runner: r, Log: zap.NewNop(), Lookup: lookup}, r
}

func TestHookSessions(t *testing.T) {
	h, r := newTestHook(t)
	ctx := context.Background()
	a, b := startProcess(t), startProcess(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.Open(ctx, Caller{User: "alice", PID: a.cmd.Process.Pid}))
	must(h.Open(ctx, Caller{User: "alice", PID: b.cmd.Process.Pid}))
	if !slices.Equal(r.calls, []string{"logon"}) {
		t.Fatalf("two sessions: calls %v, want one logon", r.calls)
	}
	must(h.Close(ctx, Caller{User: "alice", PID: a.cmd.Process.Pid}))
	if len(r.calls) != 1 || !r.mounted["/home/alice/Profile"] {
		t.Fatalf("closing one of two: calls %v, mounted %v", r.calls, r.mounted)
	}
	must(h.Close(ctx, Caller{User: "alice", PID: b.cmd.Process.Pid}))
	if !slices.Equal(r.calls, []string{"logon", "logoff"}) || len(r.mounted) != 0 {
		t.Fatalf("closing the last: calls %v, mounted %v", r.calls, r.mounted)
	}

	// A session whose process died without closing: the next open prunes it
	// without a logoff (the new session keeps the profile), the close of a
	// session never counted ends the rest.
	c, d := startProcess(t), startProcess(t)
	must(h.Open(ctx, Caller{User: "alice", PID: c.cmd.Process.Pid}))
	c.end()
	must(h.Open(ctx, Caller{User: "alice", PID: d.cmd.Process.Pid}))
	if n := len(r.calls); n != 3 {
		t.Fatalf("open after a dead session: calls %v", r.calls)
	}
	d.end()
	must(h.Close(ctx, Caller{User: "alice", PID: startProcess(t).cmd.Process.Pid}))
	if r.calls[len(r.calls)-1] != "logoff" || len(r.mounted) != 0 {
		t.Fatalf("close after every session died: calls %v, mounted %v", r.calls, r.mounted)
	}
}

func TestHookLogonFails(t *testing.T) {
	h, r := newTestHook(t)
	ctx := context.Background()
	p := startProcess(t)
	r.fail = true
	if err := h.Open(ctx, Caller{User: "alice", PID: p.cmd.Process.Pid}); err == nil {
		t.Fatal("a failed logon opened the session without an error")
	}
	f, _ := lockSessions(h.Config.StateDir, "alice")
	recs, _ := f.read()
	f.unlock()
	if len(recs) != 0 {
		t.Fatalf("a failed logon's session is counted: %v", recs)
	}
	r.fail = false
	if err := h.Close(ctx, Caller{User: "alice", PID: p.cmd.Process.Pid}); err != nil || len(r.calls) != 1 {
		t.Fatalf("close after a failed logon: %v, calls %v", err, r.calls)
	}

	// A system account does not roam: nothing to do, no error.
	if err := h.Open(ctx, Caller{User: "sys", PID: p.cmd.Process.Pid}); err != nil || len(r.calls) != 1 {
		t.Fatalf("system account: %v, calls %v", err, r.calls)
	}
	for _, bad := range []string{"", "../x", ".hidden"} {
		if err := h.Open(ctx, Caller{User: bad, PID: p.cmd.Process.Pid}); err == nil {
			t.Errorf("PAM_USER %q accepted", bad)
		}
	}
}
