//go:build linux

package smbdtest

import (
	"errors"
	"fmt"
)

// StartIn starts a private smbd keeping everything under dir, outside a
// test: the benchmark harness (bench/cmd/rfbench, section smb) measures
// against the same server the tests use. cleanup receives the function that
// stops smbd with its helper processes; the caller must make sure it runs
// (defer, a signal handler), as t.Cleanup does for Start.
func StartIn(dir string, cleanup func(func())) (*Server, error) {
	if why := Available(); why != "" {
		return nil, errors.New(why)
	}
	s, err := start(dir)
	if err != nil {
		return nil, fmt.Errorf("start a private smbd in %s: %w", dir, err)
	}
	cleanup(s.Stop)
	return s, nil
}
