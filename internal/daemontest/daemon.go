//go:build unix

// Package daemontest is a private test server run as a process group of its
// own: started and waited for on a loopback port, killed as a crash would
// (SIGKILL to the whole group), stopped (SIGTERM, then SIGKILL) and restarted
// on the same port. The tests' smbd (internal/smbdtest) and versitygw
// (internal/s3test) both run through it; it never looks a process up by name.
package daemontest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Daemon is one server process group.
type Daemon struct {
	Name    string           // in messages: "smbd", "versitygw"
	Addr    string           // host:port it listens on once ready
	LogFile string           // where its stdout and stderr go
	Command func() *exec.Cmd // a new command each start

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts the server and returns once it accepts connections, or why
// it does not (with the end of its log).
func (d *Daemon) Start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	logf, err := os.OpenFile(d.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := d.Command()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", d.Name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	d.cmd, d.done = cmd, done
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		select {
		case <-done:
			return fmt.Errorf("%s exited at start: %s", d.Name, d.LogTail())
		default:
		}
		if c, err := net.DialTimeout("tcp", d.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
	}
	d.kill()
	return fmt.Errorf("%s did not listen on %s: %s", d.Name, d.Addr, d.LogTail())
}

// LogTail is the end of the server's log, for a failure message.
func (d *Daemon) LogTail() string {
	b, _ := os.ReadFile(d.LogFile)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// Kill stops the server at once (SIGKILL to its whole process group: a
// server's per-client children too), as a crashed server would go.
func (d *Daemon) Kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.kill()
}

func (d *Daemon) kill() {
	if d.cmd == nil {
		return
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	<-d.done
	d.cmd = nil
}

// Restart starts the server again, on the same port and state, after Kill.
func (d *Daemon) Restart() error {
	var err error
	for range 50 { // the port may linger a moment
		if err = d.Start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Stop stops the server: SIGTERM to its process group, SIGKILL if it lingers.
func (d *Daemon) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-d.done:
		d.cmd = nil
	case <-time.After(5 * time.Second):
		d.kill()
	}
}
