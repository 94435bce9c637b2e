package gofuse

import (
	"fmt"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"roamfs/overlay"
)

// Options tune a mount.
type Options struct {
	// FsName is shown as the mount's source in /proc/mounts; roamfs puts the
	// cache directory there so `roamfs logoff MOUNTPOINT` can find the session.
	FsName string
	// CacheTimeout is how long the kernel may trust entries, attributes and
	// negative lookups (0: DefaultCacheTimeout). roamfs is the only writer of
	// its cache while mounted, so it can be long: invalidate.go says how the
	// kernel's view stays right.
	CacheTimeout time.Duration
	Debug        bool
}

// DefaultCacheTimeout is the kernel's entry and attribute timeout: lookups
// and stats of a known path never reach the daemon within it.
const DefaultCacheTimeout = time.Hour

// Mount serves p at dir and returns once the kernel has the mount.
func Mount(dir string, p *overlay.Profile, o Options) (*Server, error) {
	if o.CacheTimeout == 0 {
		o.CacheTimeout = DefaultCacheTimeout
	}
	t := o.CacheTimeout
	opts := &fs.Options{
		EntryTimeout:    &t,
		AttrTimeout:     &t,
		NegativeTimeout: &t,
		// Modes reach the kernel as the cache has them: go-fuse would report a
		// mode 0000 as 0644 (0755 for a directory), and with
		// default_permissions the kernel would let anybody read a file its
		// owner locked with chmod 000 (issue 12).
		NullPermissions: true,
		MountOptions: fuse.MountOptions{
			FsName:      o.FsName,
			Name:        "roamfs",
			DirectMount: true,
			// The daemon runs as root on behalf of the user: the kernel must
			// check permissions (default_permissions) and let others in.
			AllowOther: true,
			Options:    []string{"default_permissions"},
			MaxWrite:   1 << 20,
			Debug:      o.Debug,
			// open(O_TRUNC) arrives as one OPEN with O_TRUNC, not an OPEN
			// followed by a truncating SETATTR: a file of a streamed logon
			// not yet local is then replaced without fetching data that
			// would be thrown away at once (libfuse, under cgofuse, asks for
			// the same by default).
			ExtraCapabilities: fuse.CAP_ATOMIC_O_TRUNC,
		},
	}
	root := NewRoot(p)
	srv, err := fs.Mount(dir, root, opts)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", dir, err)
	}
	return &Server{srv: srv, open: root.open, root: root}, nil
}
