//go:build linux

package overlay

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The shared rename flags are the kernel's, which FUSE passes on.
func TestRenameFlagsAreLinux(t *testing.T) {
	if renameNoReplace != unix.RENAME_NOREPLACE || renameExchange != unix.RENAME_EXCHANGE {
		t.Fatalf("rename flags %d/%d, Linux has %d/%d", renameNoReplace, renameExchange, unix.RENAME_NOREPLACE, unix.RENAME_EXCHANGE)
	}
}
