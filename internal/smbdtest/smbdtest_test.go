//go:build linux

package smbdtest

import (
	"net"
	"testing"
)

func TestStartStop(t *testing.T) {
	s := Start(t)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.Kill()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Log(Version())
}
