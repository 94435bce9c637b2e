package main

// Every mount the harness makes is registered before it is made, so that
// cleanup (deferred, on a signal, after a panic) finds it even when the mount
// call itself failed halfway. Cleanup unmounts in reverse order and never
// removes a directory that still has a mount under it.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"roamfs/internal/mountinfo"
)

// mountKind is what serves a mount point.
type mountKind string

const (
	kindLoopback mountKind = "loopback"
	kindRoamfs   mountKind = "roamfs"
)

// mount is one live (or possibly live) mount made by the harness.
type mount struct {
	kind  mountKind
	dir   string    // mount point
	cache string    // roamfs: the cache directory
	pid   int       // the serving daemon
	cmd   *exec.Cmd // loopback: our child
	exit  chan error
	dev   string // scratch: the loop device
	img   string // scratch: the image file

	teardown sync.Once // scratch: the main path and the signal handler may both take it down
	downErr  error
}

func (h *harness) register(m *mount) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mounts = append(h.mounts, m)
}

func (h *harness) unregister(m *mount) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.mounts {
		if x == m {
			h.mounts = append(h.mounts[:i], h.mounts[i+1:]...)
			return
		}
	}
}

// startLoopback mounts the plain go-fuse loopback of src at mnt and returns
// once it is ready.
func (h *harness) startLoopback(ctx context.Context, src, mnt string, passthrough bool) (*mount, error) {
	for _, d := range []string{src, mnt} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(h.bin.loopback, fmt.Sprintf("-passthrough=%v", passthrough), src, mnt)
	cmd.Stderr = h.logw
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	m := &mount{kind: kindLoopback, dir: mnt, cmd: cmd, exit: make(chan error, 1)}
	h.register(m)
	if err := cmd.Start(); err != nil {
		h.unregister(m)
		return nil, fmt.Errorf("start loopback: %w", err)
	}
	m.pid = cmd.Process.Pid
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
		io.Copy(io.Discard, out)
	}()
	go func() { m.exit <- cmd.Wait() }()
	select {
	case ok := <-ready:
		if ok && isMounted(mnt) {
			return m, nil
		}
		h.stopLoopback(m)
		return nil, fmt.Errorf("loopback at %s did not come up", mnt)
	case <-time.After(30 * time.Second):
		h.stopLoopback(m)
		return nil, fmt.Errorf("loopback at %s: not ready after 30s", mnt)
	case <-ctx.Done():
		h.stopLoopback(m)
		return nil, ctx.Err()
	}
}

// stopLoopback asks the loopback to unmount (SIGTERM: it retries while busy,
// then detaches), and makes sure of it.
func (h *harness) stopLoopback(m *mount) error {
	defer h.unregister(m)
	if m.cmd.Process != nil {
		m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.exit:
		case <-time.After(15 * time.Second):
			m.cmd.Process.Kill()
			<-m.exit
		}
	}
	return forceUnmount(m.dir)
}

// logon runs `roamfs logon` and returns the mount with its daemon's PID (from
// `roamfs status --json`) and how long the command took. extra goes on the
// command line before the mount point (--credentials, --policy).
func (h *harness) logon(ctx context.Context, server, cache, mnt string, extra ...string) (*mount, time.Duration, error) {
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return nil, 0, err
	}
	m := &mount{kind: kindRoamfs, dir: mnt, cache: cache}
	h.register(m)
	args := append(append([]string{"logon", "--server", server, "--cache", cache}, extra...), mnt)
	cmd := exec.CommandContext(ctx, h.bin.roamfs, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		h.logoff(context.Background(), m) // in case it mounted anyway
		return nil, d, fmt.Errorf("roamfs logon: %v: %s", err, strings.TrimSpace(out.String()))
	}
	st, err := h.status(ctx, cache)
	if err != nil {
		h.logoff(context.Background(), m)
		return nil, d, err
	}
	m.pid = st.PID
	return m, d, nil
}

type roamfsStatus struct {
	PID     int  `json:"PID"`
	Loaded  bool `json:"Loaded"`
	Pending int  `json:"PendingChanges"`
}

func (h *harness) status(ctx context.Context, cache string) (roamfsStatus, error) {
	var st roamfsStatus
	out, err := exec.CommandContext(ctx, h.bin.roamfs, "status", "--json", "--cache", cache).Output()
	if err != nil {
		return st, fmt.Errorf("roamfs status: %w", err)
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return st, fmt.Errorf("roamfs status: %w", err)
	}
	if st.PID == 0 {
		return st, errors.New("roamfs status: no daemon PID")
	}
	return st, nil
}

// logoff runs `roamfs logoff` (unmount and sync) and waits for the daemon to
// exit. When the command fails the mount is detached all the same: the
// harness must not leave it behind.
func (h *harness) logoff(ctx context.Context, m *mount) (time.Duration, error) {
	defer h.unregister(m)
	if m.pid == 0 {
		m.pid = daemonPID(m.cache)
	}
	if !isMounted(m.dir) {
		return 0, h.stopUnmounted(m)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin.roamfs, "logoff", m.dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		err = fmt.Errorf("roamfs logoff %s: %v: %s", m.dir, err, strings.TrimSpace(out.String()))
	}
	if uerr := forceUnmount(m.dir); err == nil {
		err = uerr
	}
	if m.pid > 0 {
		waitGone(m.pid, 2*time.Minute)
	}
	return d, err
}

// stopUnmounted deals with a session that has no mount (any more, or yet):
// a daemon still merging at logon — the harness was interrupted during a
// first logon — is stopped with SIGTERM (before its mount that ends it; after,
// it logs off), then waited for; a daemon that died between mounting and
// serving leaves a dead mount, which is taken down too.
func (h *harness) stopUnmounted(m *mount) error {
	if m.pid > 0 && alive(m.pid) {
		syscall.Kill(m.pid, syscall.SIGTERM)
		if !waitGone(m.pid, 2*time.Minute) {
			return fmt.Errorf("roamfs daemon %d for %s did not exit", m.pid, m.dir)
		}
	}
	return forceUnmount(m.dir)
}

// daemonPID reads the session daemon's PID from the cache's status file
// (cache/state/status.json, written before the logon merge starts), for a
// logon that was interrupted before `roamfs status` could be asked.
func daemonPID(cache string) int {
	if cache == "" {
		return 0
	}
	data, err := os.ReadFile(filepath.Join(cache, "state", "status.json"))
	if err != nil {
		return 0
	}
	var st roamfsStatus
	if json.Unmarshal(data, &st) != nil || !alive(st.PID) {
		return 0
	}
	// The status file may be an earlier session's, and its PID reused since:
	// only a daemon serving this very cache is ours to stop.
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.PID))
	if err != nil || !strings.Contains(string(cmdline), "\x00--cache\x00"+cache+"\x00") {
		return 0
	}
	return st.PID
}

func waitGone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for alive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// forceUnmount makes sure nothing is mounted at dir any more: a plain
// unmount, retried while busy, then a lazy one.
func forceUnmount(dir string) error {
	for i := 0; isMounted(dir); i++ {
		if i == 50 {
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				return fmt.Errorf("unmount %s: %w", dir, err)
			}
			continue
		}
		if i > 50 {
			return fmt.Errorf("%s is still mounted", dir)
		}
		if err := syscall.Unmount(dir, 0); err != nil && !errors.Is(err, syscall.EBUSY) && !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("unmount %s: %w", dir, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// cleanupMounts takes down whatever is still mounted, newest first. It is
// safe to call more than once and from the signal handler.
func (h *harness) cleanupMounts() {
	h.mu.Lock()
	ms := append([]*mount(nil), h.mounts...)
	h.mu.Unlock()
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		h.logf("cleanup: unmounting %s (%s)", m.dir, m.kind)
		var err error
		switch m.kind {
		case kindLoopback:
			err = h.stopLoopback(m)
		case kindRoamfs:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			_, err = h.logoff(ctx, m)
			cancel()
		case kindScratch:
			err = h.unmountScratch(m)
		}
		if err != nil {
			h.logf("cleanup: %v", err)
		}
	}
}

// isMounted reports whether dir is a mount point now.
func isMounted(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for _, mp := range mountPoints() {
		if mp.Dir == abs {
			return true
		}
	}
	return false
}

// mountsUnder lists the mount points at or beneath dir.
func mountsUnder(dir string) []string {
	var out []string
	for _, mp := range mountPoints() {
		if mp.Dir == dir || strings.HasPrefix(mp.Dir, dir+"/") {
			out = append(out, mp.Dir)
		}
	}
	return out
}

func mountPoints() []mountinfo.Mount {
	ms, _ := mountinfo.Read()
	return ms
}
