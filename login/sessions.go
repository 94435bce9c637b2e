package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Record is one PAM session of a user. PAM gives pam_exec no session id; the
// process that opened the session (sshd's per-connection monitor, login,
// the display manager's session worker, su) calls close_session too and
// lives as long as the session, so it stands for the session: its pid, and
// its start time so that a reused pid is not taken for it.
type Record struct {
	PID     int       `json:"pid"`
	Start   uint64    `json:"start"` // /proc/PID/stat starttime (clock ticks since boot)
	Service string    `json:"service,omitempty"`
	TTY     string    `json:"tty,omitempty"`
	RHost   string    `json:"rhost,omitempty"`
	Opened  time.Time `json:"opened"`
}

// Alive reports whether the session's process still runs: a session whose
// process died without closing it (sshd killed, a crash) is over.
func (r Record) Alive() bool {
	start, ok := ProcStart(r.PID)
	return ok && start == r.Start
}

// ProcStart is pid's start time, false when no such process runs (or it is
// a zombie: its session is over all the same).
func ProcStart(pid int) (uint64, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces and ')'
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state); starttime is field 22
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return 0, false
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	return start, err == nil
}

// sessionFile is one user's records under StateDir/pam, and its lock: every
// hook run for the user holds the lock from reading the records to writing
// them back, logon or logoff included, so a user's sessions opening and
// closing at once are counted one after the other.
type sessionFile struct {
	path string
	lock *os.File
}

// lockSessions takes user's lock, waiting for another hook run of the same
// user to finish.
func lockSessions(stateDir, user string) (*sessionFile, error) {
	dir := filepath.Join(stateDir, "pam")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("session records: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, user+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("session records: %w", err)
	}
	for {
		err = unix.Flock(int(lock.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	return &sessionFile{path: filepath.Join(dir, user+".json"), lock: lock}, nil
}

func (f *sessionFile) unlock() { f.lock.Close() }

// read returns the records; none when there is no file yet. A damaged file
// counts as none: its sessions' profile is still adopted from the mount
// table, and the last close of the user syncs it.
func (f *sessionFile) read() ([]Record, error) {
	raw, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session records: %w", err)
	}
	var recs []Record
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, fmt.Errorf("session records %s: %w", f.path, err)
	}
	return recs, nil
}

// write replaces the records (renamed into place: a crash leaves the old or
// the new list, never half of one); none removes the file.
func (f *sessionFile) write(recs []Record) error {
	if len(recs) == 0 {
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("session records: %w", err)
		}
		return nil
	}
	raw, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return err
	}
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("session records: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return fmt.Errorf("session records: %w", err)
	}
	return nil
}
