package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"roamfs/internal/winpipe"
	"roamfs/internal/wintest"
)

func currentSID(t *testing.T) string {
	t.Helper()
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	return tu.User.Sid.String()
}

// servePipe runs the controller's pipe server on a pipe of the test's own,
// open to the test's user (playing Winlogon's mpnotify, which runs as SYSTEM).
func servePipe(t *testing.T, ctl *Controller, wait time.Duration) string {
	t.Helper()
	srv := ctl.PipeServer(func() time.Duration { return wait },
		func(domain, name string) (User, error) {
			if name == alice.Name {
				return alice, nil
			}
			return User{}, errors.New("no such account")
		}, nil)
	srv.Pipe = fmt.Sprintf(`\\.\pipe\roamfs-test-%d-%s`, os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-"))
	srv.SDDL = "D:P(A;;GA;;;SY)(A;;GA;;;" + currentSID(t) + ")"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		f, err := os.OpenFile(srv.Pipe, os.O_RDWR, 0)
		if err == nil {
			f.Close()
			return srv.Pipe
		}
		if time.Now().After(deadline) {
			t.Fatalf("pipe %s never came up: %v", srv.Pipe, err)
		}
	}
}

func askPipe(t *testing.T, pipe string, r winpipe.Request) winpipe.Answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := winpipe.Ask(ctx, pipe, r)
	if err != nil {
		t.Fatalf("Ask(%s): %v", r.Account(), err)
	}
	return a
}

// The network provider's request over the pipe prepares the profile
// (hive, mount, junctions) and is answered "ready"; a user who does not
// roam is answered "skip".
func TestWinPipePrepares(t *testing.T) {
	e := newPrepEnv(t)
	pipe := servePipe(t, e.ctl, 10*time.Second)
	if a := askPipe(t, pipe, winpipe.Request{Domain: "CORP", User: "alice"}); a.Status != winpipe.Ready {
		t.Fatalf("answer %+v, want ready", a)
	}
	if got := readFile(t, filepath.Join(e.home, "NTUSER.DAT")); got != "server hive" {
		t.Errorf("hive %q", got)
	}
	if got := e.steps.list(); !slices.Contains(got, "mount") || !slices.Contains(got, "junction Documents") {
		t.Errorf("steps %q", got)
	}
	a := askPipe(t, pipe, winpipe.Request{Domain: "CORP", User: "bob", SID: "S-1-5-21-1-2-3-1002"})
	if a.Status != winpipe.Skip {
		t.Errorf("a user who does not roam: %+v, want skip", a)
	}
	if a := askPipe(t, pipe, winpipe.Request{Domain: "CORP", User: "mallory"}); a.Status != winpipe.Failed {
		t.Errorf("an unknown account: %+v, want error", a)
	}
}

// Past the wait the answer is "later" and the preparation finishes in the
// background.
func TestWinPipeLater(t *testing.T) {
	e := newPrepEnv(t)
	e.run.delay = 500 * time.Millisecond
	pipe := servePipe(t, e.ctl, 50*time.Millisecond)
	if a := askPipe(t, pipe, winpipe.Request{Domain: "CORP", User: "alice", SID: alice.SID}); a.Status != winpipe.Later {
		t.Fatalf("answer %+v, want later", a)
	}
	for deadline := time.Now().Add(10 * time.Second); !slices.Contains(e.steps.list(), "junction Documents"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the preparation did not finish in the background: %q", e.steps.list())
		}
	}
}

// WindowsHome on this machine: a profile folder made in a temporary
// "profiles directory" with its access list (Wine reads back the user and
// SYSTEM only: checked as far as it keeps), the junction reads, and the
// junction calls (which Wine cannot make: skipped there with the reason).
func TestWinHome(t *testing.T) {
	sid := currentSID(t)
	profiles := wintest.TempDir(t)
	home := filepath.Join(profiles, "alice")
	h := WindowsHome{}
	for run := 1; run <= 2; run++ {
		if err := h.MakeHome(home, sid); err != nil {
			t.Fatalf("MakeHome (run %d): %v", run, err)
		}
	}
	sd, err := windows.GetNamedSecurityInfo(home, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("no DACL read back: %v", err)
	}
	got := map[string]bool{}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			t.Fatal(err)
		}
		got[(*windows.SID)(sidPointer(&ace.SidStart)).String()] = true
	}
	for _, s := range []string{sid, "S-1-5-18", "S-1-5-32-544"} {
		if !got[s] && (!wintest.Wine() || s != "S-1-5-32-544") {
			t.Errorf("no access entry for %s; DACL read back: %v", s, got)
		}
	}
	if err := h.MakeHome(filepath.Join(profiles, "x"), "BU"); err == nil {
		t.Errorf("MakeHome with an SDDL alias for a SID succeeded")
	}
	if _, ok, err := h.Junction(home); ok || err != nil {
		t.Errorf("Junction of a plain folder = %v, %v; want not a junction, no error", ok, err)
	}
	if _, _, err := h.Junction(filepath.Join(home, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Junction of nothing: %v, want ErrNotExist", err)
	}
	if loaded, err := h.HiveLoaded("S-1-5-21-1111-2222-3333-4042"); loaded || err != nil {
		t.Errorf("HiveLoaded of an unknown SID = %v, %v", loaded, err)
	}
	target := filepath.Join(profiles, "mnt", "Documents")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(home, "Documents")
	if err := h.Link(link, target); err != nil {
		if wintest.Wine() {
			t.Skipf("Wine cannot make junctions (the placing logic is tested over fakes): %v", err)
		}
		t.Fatal(err)
	}
	if got, ok, err := h.Junction(link); !ok || err != nil || !samePath(got, target) {
		t.Errorf("Junction = %q, %v, %v; want %s", got, ok, err, target)
	}
	if err := h.Unlink(link); err != nil {
		t.Fatal(err)
	}
}

// LookupUser resolves the test's own account to its SID.
func TestWinLookupUser(t *testing.T) {
	sid, err := windows.StringToSid(currentSID(t))
	if err != nil {
		t.Fatal(err)
	}
	name, domain, _, err := sid.LookupAccount("")
	if err != nil {
		t.Skipf("the test's account has no name here: %v", err)
	}
	u, err := LookupUser(domain, name)
	if err != nil || u.SID != sid.String() {
		t.Errorf("LookupUser(%s, %s) = %+v, %v; want SID %s", domain, name, u, err, sid)
	}
}

// KnownUsers: a ProfileList entry with a cache is known, one without is not.
func TestWinKnownUsers(t *testing.T) {
	wintest.RequireWine(t)
	sid := currentSID(t)
	root := wintest.TempDir(t)
	if k, err := registry.OpenKey(registry.LOCAL_MACHINE, profileListKey+sid, registry.QUERY_VALUE); err == nil {
		k.Close() // the prefix's own entry: kept as it is
	} else {
		profileListEntry(t, sid, `C:\Users\me`, "")
	}
	profileListEntry(t, testSID, `C:\Users\wtest`, "")
	if err := os.Mkdir(filepath.Join(root, sid), 0o700); err != nil {
		t.Fatal(err)
	}
	users, err := KnownUsers(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].SID != sid || users[0].Name == "" {
		t.Errorf("KnownUsers = %+v; want the test's user alone", users)
	}
}
