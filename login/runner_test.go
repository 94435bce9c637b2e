package login

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUnitInstalled: the unit is found in any of systemd's unit folders; a
// machine without it gets the detached daemon even under systemd.
func TestUnitInstalled(t *testing.T) {
	old := unitDirs
	t.Cleanup(func() { unitDirs = old })
	etc, lib := t.TempDir(), t.TempDir()
	unitDirs = []string{etc, filepath.Join(t.TempDir(), "missing"), lib}
	if UnitInstalled() {
		t.Fatal("UnitInstalled with no unit file")
	}
	if err := os.WriteFile(filepath.Join(lib, "roamfs@.service"), []byte("[Unit]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !UnitInstalled() {
		t.Fatal("UnitInstalled missed the unit in the last folder")
	}
	// Masked in the administrator's folder: not installed, whatever lies
	// below.
	if err := os.Symlink(os.DevNull, filepath.Join(etc, "roamfs@.service")); err != nil {
		t.Fatal(err)
	}
	if UnitInstalled() {
		t.Fatal("a masked unit counts as installed")
	}
}
