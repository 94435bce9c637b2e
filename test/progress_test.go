package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Progress of the commands that wait for the daemon (issue 15 item 3):
// restic-style JSON status lines on stderr with --json, stdout the one
// result object; nothing extra without --json off a terminal (the tests'
// stderr is a pipe). ROAMFS_PROGRESS_INTERVAL makes the lines come from the
// first millisecond, so that a test's short sync prints some.

// roamfsEnv is roamfs with extra environment variables.
func roamfsEnv(env []string, args ...string) (cliResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, roamfsBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		res.code, err = ee.ExitCode(), nil
	}
	return res, err
}

var fastProgress = []string{"ROAMFS_PROGRESS_INTERVAL=1ms"}

// statusLine is one JSON progress line.
type statusLine struct {
	MessageType string   `json:"message_type"`
	Phase       string   `json:"phase"`
	PercentDone *float64 `json:"percent_done"`
	FilesDone   int64    `json:"files_done"`
	TotalFiles  int64    `json:"total_files"`
	BytesDone   int64    `json:"bytes_done"`
	TotalBytes  int64    `json:"total_bytes"`
}

// checkStatusLines: every line of stderr is a status line, percent_done in
// [0,1] and never decreasing; it returns them.
func checkStatusLines(t *testing.T, what, stderr string) []statusLine {
	t.Helper()
	var out []statusLine
	last := 0.0
	for i, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if line == "" {
			continue
		}
		var s statusLine
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Errorf("%s: stderr line %d is not JSON: %q", what, i+1, line)
			continue
		}
		if s.MessageType != "status" || s.PercentDone == nil || s.Phase == "" {
			t.Errorf("%s: line %d is not a status line: %q", what, i+1, line)
			continue
		}
		if p := *s.PercentDone; p < 0 || p > 1 || p < last {
			t.Errorf("%s: line %d: percent_done %v (the one before: %v): want within [0,1], never decreasing", what, i+1, p, last)
		} else {
			last = p
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		t.Errorf("%s: no status line on stderr", what)
	}
	return out
}

// logonJSON runs `roamfs logon --json` for m and checks that stdout is the
// one result object; it returns stderr.
func (m *machine) logonJSON(env []string) string {
	m.t.Helper()
	args := []string{"logon", "--json", "--server", m.server, "--cache", m.cache}
	if m.policy != "" {
		args = append(args, "--policy", m.policy)
	}
	r, err := roamfsEnv(env, append(args, m.mnt)...)
	if err != nil || r.code != 0 {
		m.t.Fatalf("logon --json: exit %d (%v)\nstdout: %s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	var res struct {
		OK         bool   `json:"ok"`
		Mountpoint string `json:"mountpoint"`
		PID        int    `json:"pid"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&res); err != nil || dec.More() || !res.OK || res.PID <= 0 || res.Mountpoint != m.mnt {
		m.t.Fatalf("logon --json: stdout %q is not the one result object (%v)", r.stdout, err)
	}
	m.pid = res.PID
	if !isMounted(m.mnt) {
		m.t.Fatalf("logon --json exited 0 but %s is not mounted", m.mnt)
	}
	return r.stderr
}

// manyFiles writes n files of 4 KiB straight into a server copy.
func manyFiles(t *testing.T, server string, n int) {
	t.Helper()
	data := bytes.Repeat([]byte("p"), 4096)
	for i := range n {
		p := filepath.Join(server, "Documents", fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%04d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLogonProgressJSON: `logon --json` prints status lines while the
// daemon logs on: a full copy (PSEnabled off) ends its downloads at 100%;
// a streamed logon reports its listing of the server copy (no total yet:
// 0%) and its placeholders. stdout is the one result object.
func TestLogonProgressJSON(t *testing.T) {
	server := newServer(t)
	manyFiles(t, server, 1500)
	t.Run("full-copy", func(t *testing.T) {
		m := newMachine(t, server)
		m.setPolicy("PSEnabled: false\n")
		lines := checkStatusLines(t, "logon --json (full copy)", m.logonJSON(fastProgress))
		if n := len(lines); n > 0 {
			if l := lines[n-1]; l.Phase != "logon" || *l.PercentDone != 1 || l.FilesDone != l.TotalFiles || l.TotalBytes < 1500*4096 {
				t.Errorf("last status line of a full-copy logon: %+v; want the downloads done", l)
			}
		}
		m.logoff()
	})
	t.Run("streamed", func(t *testing.T) {
		m := newMachine(t, server)
		m.setPolicy("PSAlwaysCache: false\n")
		for _, l := range checkStatusLines(t, "logon --json (streamed)", m.logonJSON(fastProgress)) {
			if l.Phase != "logon: listing" && l.Phase != "logon" {
				t.Errorf("streamed logon: a status line of phase %q", l.Phase)
			}
			if l.Phase == "logon: listing" && (*l.PercentDone != 0 || l.TotalFiles != 0) {
				t.Errorf("a listing line claims a total: %+v", l)
			}
		}
		m.logoff()
	})
}

// TestProgressSilentWithoutTerminal: off a terminal and without --json,
// logon and logoff print their result and nothing else, even with lines
// due from the first millisecond; logoff --json prints status lines on
// stderr and the one result object on stdout.
func TestProgressSilentWithoutTerminal(t *testing.T) {
	server := newServer(t)
	manyFiles(t, server, 1000)
	m := newMachine(t, server)
	m.setPolicy("PSEnabled: false\n")
	r, err := roamfsEnv(fastProgress, "logon", "--server", m.server, "--cache", m.cache, "--policy", m.policy, m.mnt)
	if err != nil || r.code != 0 {
		t.Fatalf("logon: exit %d (%v): %s", r.code, err, r.stderr)
	}
	if g := daemonPid.FindStringSubmatch(r.stdout); g != nil {
		fmt.Sscan(g[1], &m.pid)
	}
	if r.stderr != "" || strings.Count(r.stdout, "\n") != 1 || !strings.HasPrefix(r.stdout, "profile mounted at ") {
		t.Errorf("plain logon off a terminal printed stdout %q, stderr %q; want the one line", r.stdout, r.stderr)
	}
	for i := range 300 {
		write(t, m.p(fmt.Sprintf("Documents/new/n%03d.txt", i)), strings.Repeat("n", 8192))
	}
	r, err = roamfsEnv(fastProgress, "logoff", "--json", m.mnt)
	if err != nil || r.code != 0 {
		t.Fatalf("logoff --json: exit %d (%v): %s", r.code, err, r.stderr)
	}
	m.waitDaemon()
	var res syncResult
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&res); err != nil || dec.More() || !res.OK || res.Uploaded < 300 {
		t.Errorf("logoff --json: stdout %q is not the one result object (%v)", r.stdout, err)
	}
	for _, l := range checkStatusLines(t, "logoff --json", r.stderr) {
		if l.Phase != "logoff" {
			t.Errorf("logoff --json: a status line of phase %q", l.Phase)
		}
	}
	m.logon()
	write(t, m.p("Documents/one.txt"), "1")
	r, err = roamfsEnv(fastProgress, "logoff", m.mnt)
	if err != nil || r.code != 0 {
		t.Fatalf("logoff: exit %d (%v): %s", r.code, err, r.stderr)
	}
	m.waitDaemon()
	if r.stderr != "" || !strings.HasPrefix(r.stdout, "synced: ") {
		t.Errorf("plain logoff off a terminal printed stdout %q, stderr %q; want the result line only", r.stdout, r.stderr)
	}
}
