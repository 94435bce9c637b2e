package junction

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"roamfs/internal/wintest"
)

// Create, Read and Remove on this machine's disk. Wine 8 cannot set a
// mount point reparse point (FSCTL_SET_REPARSE_POINT fails, as mklink /J
// does): there the test checks that Create fails cleanly and skips the
// rest; scripts/pilot.ps1 checks junctions on Windows.
func TestWinJunction(t *testing.T) {
	dir := wintest.TempDir(t)
	target := filepath.Join(dir, "volume", "Documents")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "report.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "profile-Documents")
	if err := Create(link, target); err != nil {
		if _, serr := os.Lstat(link); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("a failed Create left %s behind: %v", link, serr)
		}
		if wintest.Wine() {
			t.Skipf("Wine cannot make junctions: %v", err)
		}
		t.Fatal(err)
	}
	p, err := Read(link)
	if err != nil || p.Path() != target {
		t.Errorf("Read = %+v, %v; want %s", p, err, target)
	}
	if _, err := os.Stat(filepath.Join(link, "report.txt")); err != nil {
		t.Errorf("the file is not seen through the junction: %v", err)
	}
	if _, err := Read(target); !errors.Is(err, ErrFormat) {
		t.Errorf("Read of a plain directory: %v, want ErrFormat", err)
	}
	if err := Remove(link); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(target, "report.txt")); err != nil {
		t.Errorf("Remove reached through the junction: %v", err)
	}
}
