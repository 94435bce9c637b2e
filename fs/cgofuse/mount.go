//go:build windows || (linux && fuse3 && cgo)

package cgofuse

import (
	"errors"
	"fmt"
	"time"

	"github.com/winfsp/cgofuse/fuse"

	"roamfs/overlay"
)

// Options tune a mount.
type Options struct {
	// FsName is shown as the mount's source in /proc/mounts (Linux only);
	// roamfs puts the cache directory there so `roamfs logoff MOUNTPOINT` can
	// find the session.
	FsName string
	// Timeout bounds how long Mount waits for the host to start serving and
	// Unmount for it to stop (default 10s).
	Timeout time.Duration
	Debug   bool
}

// Host is a mounted profile.
type Host struct {
	dir     string
	host    *fuse.FileSystemHost
	fs      *fileSystem
	timeout time.Duration
	done    chan struct{} // closed when the host stopped serving
	err     error         // why it stopped; read after done
}

// Mount serves p at dir and returns once the host serves requests, or with the
// reason it did not within o.Timeout. On Windows dir is a drive letter ("R:")
// or a directory that does not exist yet (WinFsp creates it).
func Mount(dir string, p *overlay.Profile, o Options) (*Host, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	fsys := newFileSystem(p)
	h := &Host{dir: dir, host: fuse.NewFileSystemHost(fsys), fs: fsys, timeout: o.Timeout, done: make(chan struct{})}
	configure(h.host)
	args := mountArgs(o)
	go h.serve(args)

	deadline := time.NewTimer(o.Timeout)
	defer deadline.Stop()
	select {
	case <-fsys.ready:
		if err := waitMounted(dir, h.done, deadline.C); err != nil {
			h.host.Unmount()
			return nil, fmt.Errorf("mount %s: %w", dir, err)
		}
		return h, nil
	case <-h.done:
		return nil, fmt.Errorf("mount %s: %w", dir, h.err)
	case <-deadline.C:
		h.host.Unmount()
		return nil, fmt.Errorf("mount %s: not serving after %v", dir, o.Timeout)
	}
}

// serve runs the host's blocking Mount. cgofuse panics when it cannot load
// libfuse or WinFsp; that becomes the mount's error, not a crash.
func (h *Host) serve(args []string) {
	defer close(h.done)
	defer func() {
		if r := recover(); r != nil {
			h.err = fmt.Errorf("%v", r)
		}
	}()
	if !h.host.Mount(h.dir, args) {
		h.err = errors.New("the FUSE host refused the mount (its reason is on stderr)")
		return
	}
	h.err = errors.New("unmounted")
}

// Unmount detaches the mount and waits until the host has stopped serving,
// then closes whatever the kernel left open.
func (h *Host) Unmount() error {
	select {
	case <-h.done:
	default:
		if !h.host.Unmount() {
			select {
			case <-h.done: // it stopped on its own meanwhile
			default:
				return fmt.Errorf("unmount %s: refused", h.dir)
			}
		}
		t := time.NewTimer(h.timeout)
		defer t.Stop()
		select {
		case <-h.done:
		case <-t.C:
			return fmt.Errorf("unmount %s: still serving after %v (a file is held open?)", h.dir, h.timeout)
		}
	}
	h.fs.releaseAll()
	return nil
}

// Dir is the mount point.
func (h *Host) Dir() string { return h.dir }
