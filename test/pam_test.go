package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pamLogin is a machine set up for Linux logins: a configuration file for
// `roamfs pam` (every path in the test's temp dir), and PAM service files in
// /etc/pam.d that run it through pam_exec, driven with Debian's pamtester
// for a real test user.
type pamLogin struct {
	*machine
	t      *testing.T
	user   hpUser
	base   string
	config string
	log    string
	state  string
	gates  string // where gate.sh keeps open sessions open
}

// newPamLogin writes the configuration; serverTemplate "" is a server
// folder per user in the temp dir.
func newPamLogin(t *testing.T, serverTemplate string) *pamLogin {
	t.Helper()
	if _, err := exec.LookPath("pamtester"); err != nil {
		t.Skip("pamtester is not installed (apt-get install pamtester; .ci/run does)")
	}
	if _, err := os.Stat("/etc/pam.d"); err != nil {
		t.Skip("no /etc/pam.d: PAM is not installed")
	}
	u := hpAccount(t, "rftest")
	base := t.TempDir()
	p := &pamLogin{t: t, user: u, base: base, config: filepath.Join(base, "roamfs.yaml"),
		log: filepath.Join(base, "pam.log"), state: filepath.Join(base, "run"), gates: filepath.Join(base, "gates")}
	if serverTemplate == "" {
		serverTemplate = filepath.Join(base, "server", "%USERNAME%")
	}
	p.machine = &machine{t: t, server: filepath.Join(base, "server", u.Name), cache: filepath.Join(base, "cache", u.Name),
		mnt: filepath.Join(base, "mnt", u.Name)}
	for _, d := range []string{filepath.Join(base, "mnt"), p.gates} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hpOpenToOthers(t, filepath.Join(base, "mnt"))
	t.Cleanup(p.forceDown)
	cfg := fmt.Sprintf("ServerPathTemplate: %s\nMountPoint: %s\nCacheRoot: %s\nLogFile: %s\nStateDir: %s\nMinUID: 100\n",
		serverTemplate, filepath.Join(base, "mnt", "%USERNAME%"), filepath.Join(base, "cache"), p.log, p.state)
	if err := os.WriteFile(p.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	gate := "#!/bin/sh\n# Holds the PAM session open (pamtester opens and closes in one run) until the test releases it.\n" +
		": > " + hpQuote(p.gates) + "/open-$PPID\n" +
		"while [ ! -e " + hpQuote(p.gates) + "/release-$PPID ]; do /bin/sleep 0.05; done\n"
	if err := os.WriteFile(filepath.Join(p.gates, "gate.sh"), []byte(gate), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// service writes /etc/pam.d/roamfs-test-…: roamfs pam with control
// (optional or required), then, when gated, the gate that keeps each session
// open until released.
func (p *pamLogin) service(control string, gated bool) string {
	p.t.Helper()
	name := fmt.Sprintf("roamfs-test-%s-%d-%d", control, os.Getpid(), time.Now().UnixNano()%1e6)
	// pam_permit stands for the stack's other session modules (pam_unix):
	// an "optional" module decides the result only when it is alone.
	lines := "auth required pam_permit.so\naccount required pam_permit.so\nsession required pam_permit.so\n" +
		fmt.Sprintf("session %s pam_exec.so %s pam --config %s\n", control, roamfsBin, p.config)
	if gated {
		lines += "session required pam_exec.so type=open_session " + filepath.Join(p.gates, "gate.sh") + "\n"
	}
	path := filepath.Join("/etc/pam.d", name)
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { os.Remove(path) })
	return name
}

// pamtester runs pamtester to the end.
func (p *pamLogin) pamtester(svc string, ops ...string) (string, int) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "pamtester", append([]string{"-v", svc, p.user.Name}, ops...)...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatalf("pamtester %s %v: %v: %s", svc, ops, err, out)
	}
	return string(out), code
}

// pamSession is a pamtester holding a session open at the gate.
type pamSession struct {
	p    *pamLogin
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

// open starts a session (open_session, then close_session once released)
// and waits until it is open.
func (p *pamLogin) open(svc string) *pamSession {
	p.t.Helper()
	s := &pamSession{p: p, done: make(chan error, 1)}
	s.cmd = exec.Command("pamtester", "-v", svc, p.user.Name, "open_session", "close_session")
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	if err := s.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	p.t.Cleanup(func() { // a failed test must not leave pamtester at its gate
		s.release()
		select {
		case <-s.done:
		case <-time.After(2 * time.Minute):
			s.cmd.Process.Kill()
		}
	})
	opened := filepath.Join(p.gates, "open-"+strconv.Itoa(s.cmd.Process.Pid))
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := os.Stat(opened); err == nil {
			return s
		}
		select {
		case err := <-s.done:
			s.done <- err
			p.t.Fatalf("pamtester ended before its session was open: %v: %s", err, s.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("session not open after 3 minutes: %s", s.out.String())
		}
	}
}

func (s *pamSession) release() {
	os.WriteFile(filepath.Join(s.p.gates, "release-"+strconv.Itoa(s.cmd.Process.Pid)), nil, 0o644)
}

// close releases the session and waits for pamtester's close_session.
func (s *pamSession) close() {
	s.p.t.Helper()
	s.release()
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			s.p.t.Fatalf("pamtester close_session: %v: %s", err, s.out.String())
		}
	case <-time.After(3 * time.Minute):
		s.p.t.Fatalf("close_session did not finish in 3 minutes: %s", s.out.String())
	}
}

// logged reports whether the hook's log has an entry with msg (and, when
// eventID is not 0, that event id).
func (p *pamLogin) logged(msg string, eventID int) bool {
	raw, _ := os.ReadFile(p.log)
	for _, line := range strings.Split(string(raw), "\n") {
		var e struct {
			Msg     string `json:"msg"`
			EventID int    `json:"event_id"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && strings.Contains(e.Msg, msg) && (eventID == 0 || e.EventID == eventID) {
			return true
		}
	}
	return false
}

func (p *pamLogin) records() []map[string]any {
	raw, err := os.ReadFile(filepath.Join(p.state, "pam", p.user.Name+".json"))
	if err != nil {
		return nil
	}
	var recs []map[string]any
	json.Unmarshal(raw, &recs)
	return recs
}

// TestPamSessions: a login through PAM mounts the user's profile with the
// user's ownership; a second concurrent session shares the mount; closing
// one keeps it; closing the last syncs to the server and unmounts.
func TestPamSessions(t *testing.T) {
	p := newPamLogin(t, "")
	svc := p.service("optional", true)

	first := p.open(svc)
	if !isMounted(p.mnt) {
		t.Fatalf("the first session did not mount %s; hook log:\n%s", p.mnt, readFile(p.log))
	}
	if uid, gid := polOwner(t, p.mnt); uid != p.user.UID || gid != p.user.GID {
		t.Errorf("the mounted profile belongs to %d:%d, want %s's %d:%d", uid, gid, p.user.Name, p.user.UID, p.user.GID)
	}
	if out, err := p.user.run("echo first > " + hpQuote(p.p("Documents/first.txt"))); err != nil {
		t.Fatalf("as %s: write in the profile: %v: %s", p.user.Name, err, out)
	}
	daemons := pidsNaming(p.mnt)
	if len(daemons) != 1 {
		t.Fatalf("daemons serving %s: %v, want one", p.mnt, daemons)
	}

	second := p.open(svc)
	if got := pidsNaming(p.mnt); fmt.Sprint(got) != fmt.Sprint(daemons) {
		t.Errorf("after the second session the daemons are %v, want the first one %v shared", got, daemons)
	}
	if n := len(p.records()); n != 2 {
		t.Errorf("%d sessions counted, want 2: %v", n, p.records())
	}
	if !p.logged("another session of a mounted profile", 0) {
		t.Error("the second session was not logged as sharing the mount")
	}

	first.close()
	if !isMounted(p.mnt) {
		t.Fatal("closing the first session unmounted the profile the second one uses")
	}
	if out, err := p.user.run("echo second > " + hpQuote(p.p("Documents/second.txt"))); err != nil {
		t.Fatalf("as %s: write in the profile: %v: %s", p.user.Name, err, out)
	}

	second.close()
	if isMounted(p.mnt) {
		t.Fatal("the last session's close left the profile mounted")
	}
	for rel, want := range map[string]string{"Documents/first.txt": "first\n", "Documents/second.txt": "second\n"} {
		if got, err := os.ReadFile(filepath.Join(p.server, rel)); err != nil || string(got) != want {
			t.Errorf("server %s after the last logout: %q, %v; want %q", rel, got, err, want)
		}
	}
	if left := waitGone(daemons, time.Minute); len(left) > 0 {
		t.Errorf("daemon %v still running after the last logout", left)
	}
	if recs := p.records(); len(recs) != 0 {
		t.Errorf("sessions still counted after the last logout: %v", recs)
	}
	if !p.logged("logoff: the server copy holds every change", 0) {
		t.Errorf("the last logout's sync was not logged; hook log:\n%s", readFile(p.log))
	}
}

// TestPamSessionGone: a session whose process ended without closing it (a
// killed sshd; here pamtester running open_session alone) is over: the next
// close of the user, from another process, finds no live session left and
// logs the profile off.
func TestPamSessionGone(t *testing.T) {
	p := newPamLogin(t, "")
	svc := p.service("optional", false)
	if out, code := p.pamtester(svc, "open_session"); code != 0 || !isMounted(p.mnt) {
		t.Fatalf("open_session: exit %d, mounted %v: %s\nhook log:\n%s", code, isMounted(p.mnt), out, readFile(p.log))
	}
	daemons := pidsNaming(p.mnt)
	write(t, p.p("Documents/left.txt"), "left open")
	if out, code := p.pamtester(svc, "close_session"); code != 0 {
		t.Fatalf("close_session: exit %d: %s", code, out)
	}
	if isMounted(p.mnt) {
		t.Fatal("the profile of a session that is gone stayed mounted")
	}
	if got, err := os.ReadFile(filepath.Join(p.server, "Documents/left.txt")); err != nil || string(got) != "left open" {
		t.Errorf("server Documents/left.txt: %q, %v", got, err)
	}
	waitGone(daemons, time.Minute)
}

// TestPamLogonFails: a logon that fails (the server path cannot be reached:
// it goes through a file where the share should be) lets the login go on
// with a clear log and nothing mounted when roamfs is "optional", and
// refuses the login when it is "required".
func TestPamLogonFails(t *testing.T) {
	base := t.TempDir()
	notShare := filepath.Join(base, "share")
	if err := os.WriteFile(notShare, []byte("not a share"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPamLogin(t, filepath.Join(notShare, "%USERNAME%"))

	out, code := p.pamtester(p.service("optional", false), "open_session", "close_session")
	if code != 0 {
		t.Errorf("optional: a failed logon refused the login: exit %d: %s", code, out)
	}
	if isMounted(p.mnt) {
		t.Error("optional: a failed logon left a mount")
	}
	if !p.logged("logon: the roaming profile was not mounted", 1521) {
		t.Errorf("optional: the failed logon was not logged as event 1521; hook log:\n%s", readFile(p.log))
	}
	if !strings.Contains(readFile(p.log), notShare) {
		t.Errorf("optional: the log does not name the server path; hook log:\n%s", readFile(p.log))
	}
	if recs := p.records(); len(recs) != 0 {
		t.Errorf("optional: the failed session is still counted: %v", recs)
	}

	out, code = p.pamtester(p.service("required", false), "open_session")
	if code == 0 {
		t.Errorf("required: a failed logon let the session open: %s", out)
	}
	if isMounted(p.mnt) {
		t.Error("required: a failed logon left a mount")
	}
}

// TestPamUnit checks roamfs@.service with systemd-analyze (systemd itself is
// not run here), its ExecStart pointing at the built binary.
func TestPamUnit(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("../contrib/systemd/roamfs@.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "ExecStart=/usr/local/bin/roamfs pam serve %I") {
		t.Fatalf("the unit does not run `roamfs pam serve %%I`:\n%s", unit)
	}
	dir := t.TempDir()
	local := strings.ReplaceAll(string(unit), "/usr/local/bin/roamfs", roamfsBin)
	if err := os.WriteFile(filepath.Join(dir, "roamfs@.service"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"roamfs@.service", "roamfs@alice.service"} {
		out, err := exec.Command("systemd-analyze", "verify", filepath.Join(dir, name)).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", name, err, out)
		}
	}
}

func readFile(p string) string {
	raw, _ := os.ReadFile(p)
	return string(raw)
}

// TestPamServeUnit plays systemd for roamfs@.service's ExecStart: `roamfs pam
// serve USER` with a notify socket must say READY=1 only once the profile is
// mounted, and SIGTERM (systemctl stop, the machine shutting down) must sync
// the profile to the server and unmount before the process exits.
func TestPamServeUnit(t *testing.T) {
	p := newPamLogin(t, "")
	sock := filepath.Join(p.base, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cmd := exec.Command(roamfsBin, "pam", "serve", "--config", p.config, p.user.Name)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
		}
	})

	conn.SetReadDeadline(time.Now().Add(3 * time.Minute))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no notice from the unit's daemon: %v; output: %s", err, out.String())
	}
	if msg := string(buf[:n]); !strings.Contains(msg, "READY=1") {
		t.Fatalf("the daemon's first notice is %q, want READY=1; output: %s", msg, out.String())
	}
	if !isMounted(p.mnt) {
		t.Fatal("READY=1 came before the profile was mounted")
	}
	if uid, _ := polOwner(t, p.mnt); uid != p.user.UID {
		t.Errorf("the unit's mount belongs to uid %d, want %s's %d", uid, p.user.Name, p.user.UID)
	}
	write(t, p.p("Documents/unit.txt"), "before shutdown")

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("the daemon's exit after SIGTERM: %v; output: %s", err, out.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("the daemon did not exit within 3 minutes of SIGTERM")
	}
	if isMounted(p.mnt) {
		t.Error("the profile is still mounted after the unit stopped")
	}
	if got, err := os.ReadFile(filepath.Join(p.server, "Documents/unit.txt")); err != nil || string(got) != "before shutdown" {
		t.Errorf("server Documents/unit.txt after the unit stopped: %q, %v", got, err)
	}
}
