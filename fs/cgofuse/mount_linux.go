//go:build linux && fuse3 && cgo

package cgofuse

import (
	"strings"
	"time"

	"github.com/winfsp/cgofuse/fuse"
)

func configure(h *fuse.FileSystemHost) {
	// Inode numbers are the cache's, so hard links show as one file.
	h.SetUseIno(true)
	// open(O_TRUNC) reaches the overlay as one open, journaled as a truncate,
	// as it does through go-fuse.
	h.SetCapOpenTrunc(true)
}

// mountArgs: the daemon runs as root on behalf of the user, so the kernel
// checks permissions (default_permissions) and lets others in (allow_other),
// as the go-fuse mount does.
func mountArgs(o Options) []string {
	opts := []string{"subtype=roamfs", "allow_other", "default_permissions"}
	if o.FsName != "" {
		opts = append(opts, "fsname="+escapeOpt(o.FsName))
	}
	args := []string{"-o", strings.Join(opts, ",")}
	if o.Debug {
		args = append(args, "-d")
	}
	return args
}

// escapeOpt quotes a value for libfuse's comma-separated option list.
func escapeOpt(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}

// waitMounted: libfuse mounts before it serves, so Init means mounted.
func waitMounted(dir string, stopped <-chan struct{}, deadline <-chan time.Time) error {
	return nil
}
