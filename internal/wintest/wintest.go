// Package wintest is what the Windows tests need to run under Wine
// (scripts/wine-test.sh): a temporary directory that Wine can clean up.
// Go 1.26's os.RemoveAll fails under Wine 8 (its unlinkat answers "Invalid
// function"), and with it every t.TempDir's cleanup; plain os.Remove works.
package wintest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TempDir is t.TempDir for tests that run under Wine: a new directory,
// removed with everything in it when the test ends.
func TempDir(t testing.TB) string {
	t.Helper()
	name := strings.NewReplacer("/", "_", `\`, "_", ":", "_").Replace(t.Name())
	dir, err := os.MkdirTemp("", "roamfs-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := RemoveTree(dir); err != nil {
			t.Errorf("clean up %s: %v", dir, err)
		}
	})
	return dir
}

// RemoveTree removes path and everything below it, depth first, one
// os.Remove at a time. Links (symlinks, junctions) are removed, never
// followed.
func RemoveTree(path string) error {
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return fmt.Errorf("list %s: %w", path, err)
		}
		for _, e := range entries {
			if err := RemoveTree(filepath.Join(path, e.Name())); err != nil {
				return err
			}
		}
	}
	return os.Remove(path)
}
