//go:build linux

// Package smbdtest starts a private Samba server for tests: its own smbd on a
// free loopback port, with its configuration, state, locks and shares under a
// temporary directory, so that no system service is touched. Tests of the SMB
// store and the end-to-end tests share it.
package smbdtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"roamfs/internal/daemontest"
)

// User and Password are the test account smbd knows. The unix account is
// created once (smbpasswd needs one) and left for later runs.
const (
	User     = "roamfstest"
	Password = "Roam-fs-test-1"
)

// Server is a running private smbd.
type Server struct {
	Dir  string // everything smbd keeps, under a test's temporary directory
	Port int
	// Shares maps each share's name to the directory it exports: "profiles"
	// (read-write) and "readonly".
	Shares map[string]string

	conf string
	// The process group: Kill, Stop and Restart come from it.
	*daemontest.Daemon
}

// Available reports why smbd cannot run here ("" when it can): the tests skip
// rather than fail on a machine without Samba, while .ci/run installs it.
func Available() string {
	if os.Geteuid() != 0 {
		return "smbd tests need root (smbd and the test account)"
	}
	for _, tool := range []string{"smbd", "smbpasswd"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (apt-get install samba)"
		}
	}
	return ""
}

// Start starts a private smbd for t and stops it, with its helper processes,
// when t ends. It skips t when smbd cannot run here.
func Start(t testing.TB) *Server {
	t.Helper()
	if why := Available(); why != "" {
		t.Skip(why)
	}
	// The unix user and the tdb passdb must not be raced by parallel tests.
	s, err := start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func start(dir string) (*Server, error) {
	if err := ensureUnixUser(); err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Shares: map[string]string{
		"profiles": filepath.Join(dir, "share"),
		"readonly": filepath.Join(dir, "readonly"),
	}}
	for _, d := range []string{"private", "lock", "state", "cache", "pid", "log", "ncalrpc", "share", "readonly"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := traversable(dir); err != nil {
		return nil, err
	}
	u, err := user.Lookup(User)
	if err != nil {
		return nil, err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, sh := range s.Shares {
		if err := os.Chown(sh, uid, gid); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Port = port
	s.conf = filepath.Join(dir, "smb.conf")
	if err := os.WriteFile(s.conf, []byte(s.config()), 0o644); err != nil {
		return nil, err
	}
	if err := s.addUser(); err != nil {
		return nil, err
	}
	s.Daemon = &daemontest.Daemon{Name: "smbd", Addr: s.Addr(), LogFile: filepath.Join(s.Dir, "log", "stdout.log"),
		Command: func() *exec.Cmd {
			return exec.Command("smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s", s.conf)
		}}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// config is smb.conf: loopback only, every path under Dir, SMB2 and later.
func (s *Server) config() string {
	d := s.Dir
	return fmt.Sprintf(`[global]
	server role = standalone server
	workgroup = ROAMFS
	netbios name = ROAMFSTEST
	smb ports = %d
	interfaces = 127.0.0.1
	bind interfaces only = yes
	server min protocol = SMB2_02
	disable netbios = yes
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	passdb backend = tdbsam:%[2]s/private/passdb.tdb
	private dir = %[2]s/private
	lock directory = %[2]s/lock
	state directory = %[2]s/state
	cache directory = %[2]s/cache
	pid directory = %[2]s/pid
	ncalrpc dir = %[2]s/ncalrpc
	log file = %[2]s/log/smbd.log
	max log size = 0
	log level = 1
	map to guest = never
	restrict anonymous = 2
	smb encrypt = off

[profiles]
	path = %[2]s/share
	read only = no
	browseable = yes

[readonly]
	path = %[2]s/readonly
	read only = yes
`, s.Port, d)
}

func (s *Server) addUser() error {
	cmd := exec.Command("smbpasswd", "-c", s.conf, "-a", "-s", User)
	cmd.Stdin = strings.NewReader(Password + "\n" + Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("smbpasswd: %v: %s", err, out)
	}
	return nil
}

// run starts smbd in its own process group and waits until it accepts

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// URL is the smb:// address of path (no leading slash) in share, as the test user.
func (s *Server) URL(share, path string) string {
	u := fmt.Sprintf("smb://%s@%s/%s", User, s.Addr(), share)
	if path != "" {
		u += "/" + path
	}
	return u
}

// Version is `smbd --version`, for logs and the README.
func Version() string {
	out, _ := exec.Command("smbd", "--version").Output()
	return strings.TrimSpace(string(out))
}

var userOnce sync.Mutex

// ensureUnixUser creates the test account once: smbpasswd only adds users
// that unix knows. It has no home and no login shell.
func ensureUnixUser() error {
	userOnce.Lock()
	defer userOnce.Unlock()
	if _, err := user.Lookup(User); err == nil {
		return nil
	}
	out, err := exec.Command("useradd", "-M", "-s", "/usr/sbin/nologin", User).CombinedOutput()
	if err != nil && !bytes.Contains(out, []byte("already exists")) {
		return fmt.Errorf("useradd %s: %v: %s", User, err, out)
	}
	return nil
}

// traversable lets the test account reach dir: smbd serves a share as the
// user who logged on, and a test's temporary directories are root's, 0700.
func traversable(dir string) error {
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 != 0 {
			continue
		}
		if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
			return err
		}
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
