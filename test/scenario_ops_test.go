package test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// What a scenario does to a machine beyond plain file operations: logging
// off in its three ways, and checking a path.

// scExpect checks one path: kw "absent" or "dir", else a file holding want.
// A path holding * ? or [ is a pattern (filepath.Match) that must match
// exactly one path, or none for "absent": conflict copies carry the hostname.
func scExpect(p, kw, want string) error {
	if strings.ContainsAny(p, "*?[") {
		ms, err := filepath.Glob(p)
		if err != nil {
			return err
		}
		switch {
		case len(ms) == 0 && kw == "absent":
			return nil
		case len(ms) == 0:
			return fmt.Errorf("nothing matches")
		case len(ms) > 1 || kw == "absent":
			return fmt.Errorf("%d paths match: %s", len(ms), strings.Join(ms, ", "))
		}
		p = ms[0]
	}
	fi, err := os.Lstat(p)
	switch {
	case kw == "absent":
		if err == nil {
			return fmt.Errorf("present (%s), want absent", fi.Mode())
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	case err != nil:
		return err
	case kw == "dir":
		if !fi.IsDir() {
			return fmt.Errorf("%s, want a folder", fi.Mode())
		}
		return nil
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s, want a file holding %q", fi.Mode(), want)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if string(data) != want {
		if len(data) > 80 {
			return fmt.Errorf("holds %d bytes starting %q, want %q", len(data), data[:40], want)
		}
		return fmt.Errorf("holds %q, want %q", data, want)
	}
	return nil
}

// logoff logs m off and writes the sync result into the transcript.
func (r *scRun) logoff(m *scMachine, line string, flags ...string) {
	r.t.Helper()
	if !m.on {
		r.t.Fatalf("%s: machine %s is not logged on", line, m.name)
	}
	var res syncResult
	if len(flags) == 0 {
		res = m.machine.logoff()
	} else {
		res = m.machine.logoff(flags...)
	}
	m.on = false
	r.out = append(r.out, fmt.Sprintf("%s: uploaded %d, deleted %d, kept %d, conflicts %d",
		line, res.Uploaded, res.Deleted, res.Kept, res.Conflicts))
}

// sync asks a logged-on machine's session for a write-back round now.
func (r *scRun) sync(m *scMachine, line string) {
	r.t.Helper()
	if !m.on {
		r.t.Fatalf("%s: machine %s is not logged on", line, m.name)
	}
	out := must(r.t, "sync", "--json", "--cache", m.cache)
	var res syncResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.OK {
		r.t.Fatalf("%s: sync printed %q (%v)", line, out, err)
	}
	r.out = append(r.out, fmt.Sprintf("%s: uploaded %d, deleted %d, kept %d, conflicts %d",
		line, res.Uploaded, res.Deleted, res.Kept, res.Conflicts))
}

// expectFailLogoff asks for a logoff that must be refused.
func (r *scRun) expectFailLogoff(m *scMachine, line string) {
	t := r.t
	t.Helper()
	if !m.on {
		t.Fatalf("%s: machine %s is not logged on", line, m.name)
	}
	res, err := roamfs("logoff", "--json", m.mnt)
	if err != nil {
		t.Fatal(err)
	}
	var sr syncResult
	json.Unmarshal([]byte(res.stdout), &sr)
	if res.code == 0 && sr.OK {
		m.on = false
		m.waitDaemon()
		t.Fatalf("%s: the logoff succeeded: %+v", line, sr)
	}
	state := "still logged on"
	if !isMounted(m.mnt) {
		m.on = false
		m.waitDaemon()
		state = "logged off"
	}
	r.out = append(r.out, fmt.Sprintf("%s: refused, exit %d, %s", line, res.code, state))
}

// umount unmounts m the way a shutdown does, without roamfs: the daemon
// syncs on its own before it exits. The transcript says how that sync went.
func (r *scRun) umount(m *scMachine, line string) {
	t := r.t
	t.Helper()
	if !m.on {
		t.Fatalf("%s: machine %s is not logged on", line, m.name)
	}
	if out, err := exec.Command("umount", m.mnt).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", line, err, out)
	}
	m.on = false
	m.waitDaemon()
	var res syncResult
	if raw := m.status().LastSyncResult; len(raw) > 0 {
		json.Unmarshal(raw, &res)
	}
	how := fmt.Sprintf("sync ok: uploaded %d, deleted %d, kept %d, conflicts %d", res.Uploaded, res.Deleted, res.Kept, res.Conflicts)
	if !res.OK {
		how = "sync failed; the journal keeps the changes"
	}
	r.out = append(r.out, line+": "+how)
}
