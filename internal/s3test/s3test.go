//go:build linux

// Package s3test starts a private S3 server for tests: versitygw
// (github.com/versity/versitygw, Apache-2.0) over a temporary directory on a
// free loopback port, stopped by its process id when the test ends. Tests of
// the S3 store and the end-to-end tests share it; none of them needs a
// network or an account anywhere.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"roamfs/internal/daemontest"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the versitygw release the tests are written against; .ci/run
// installs it with `go install`.
const Version = "v1.8.0"

// Access and Secret are the root account of every private server. They are
// test values, never a real account's.
const (
	Access = "roamfstestaccess"
	Secret = "roamfs-test-secret-0123456789"
)

// Server is a running private versitygw.
type Server struct {
	Dir  string // the posix backend's root: one directory per bucket
	Port int

	// The process group: Kill, Stop and Restart come from it.
	*daemontest.Daemon
}

// Binary is the versitygw executable: $VERSITYGW, else on PATH, else in
// $(go env GOPATH)/bin, where `go install` puts it.
func Binary() string {
	if b := os.Getenv("VERSITYGW"); b != "" {
		return b
	}
	if b, err := exec.LookPath("versitygw"); err == nil {
		return b
	}
	home, _ := os.UserHomeDir()
	for _, b := range []string{filepath.Join(os.Getenv("GOPATH"), "bin", "versitygw"), filepath.Join(home, "go", "bin", "versitygw")} {
		if fi, err := os.Stat(b); err == nil && !fi.IsDir() {
			return b
		}
	}
	return ""
}

// Available reports why versitygw cannot run here ("" when it can): tests
// skip rather than fail on a machine without it, while .ci/run installs it.
func Available() string {
	if Binary() == "" {
		return "versitygw is not installed (go install github.com/versity/versitygw/cmd/versitygw@" + Version + ")"
	}
	return ""
}

// Start starts a private versitygw for t and stops it when t ends. It
// skips t when versitygw is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	if why := Available(); why != "" {
		t.Skip(why)
	}
	s, err := StartIn(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartIn starts a private versitygw keeping its data in dir; the caller
// stops it.
func StartIn(dir string) (*Server, error) {
	s := &Server{Dir: filepath.Join(dir, "s3root")}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Port = port
	s.Daemon = &daemontest.Daemon{Name: "versitygw", Addr: s.Addr(),
		LogFile: filepath.Join(filepath.Dir(s.Dir), "versitygw.log"), Command: s.command}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// command is versitygw over s.Dir. The secrets go in the environment, not
// on the command line, where any user's ps would see them.
func (s *Server) command() *exec.Cmd {
	cmd := exec.Command(Binary(), "--port", s.Addr(), "--quiet", "posix", s.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+Access, "ROOT_SECRET_ACCESS_KEY="+Secret)
	return cmd
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Endpoint is the server's URL, for AWS_ENDPOINT_URL or --s3-endpoint.
func (s *Server) Endpoint() string { return "http://" + s.Addr() }

// Env is the environment a client needs to reach the server as its root
// account: credentials and endpoint from the standard AWS variables.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + Access, "AWS_SECRET_ACCESS_KEY=" + Secret,
		"AWS_ENDPOINT_URL=" + s.Endpoint(), "AWS_REGION=us-east-1",
	}
}

// SetEnv puts Env in this process's environment for t.
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Client is a client of the server as its root account.
func (s *Server) Client() (*minio.Client, error) {
	return minio.New(s.Addr(), &minio.Options{
		Creds: credentials.NewStaticV4(Access, Secret, ""), Region: "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
}

// Bucket creates a bucket with a fresh name and returns the name.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	name := "roamfs-" + hex.EncodeToString(b[:])
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
