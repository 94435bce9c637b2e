package gofuse

import (
	"context"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
)

// leftOpen is every descriptor of the cache the mount holds until the kernel
// releases it (open files, directory streams). The kernel sends RELEASE and
// RELEASEDIR asynchronously: they may reach the server after the unmount
// returned, or never once the connection is gone. So when the server stops,
// releaseAll closes what is left, and nothing of the cache stays open after an
// unmount (the logoff sync then sees every final size in the journal).
//
// Exactly one side closes each descriptor: whoever takes it out of the set
// (drop on a normal release, releaseAll at the end).
//
// Lock order: leftOpen.mu is never held while calling out; Node.mu and the
// overlay's locks are taken by releaseLate after it is released.
type leftOpen struct {
	mu      sync.Mutex
	stopped bool // the server stopped serving: nothing more is kept
	open    map[lateReleaser]struct{}
	once    sync.Once // a second releaseAll waits for the first to finish
}

// lateReleaser is a descriptor holder that releaseAll can close in place of
// the kernel's release.
type lateReleaser interface{ releaseLate() }

func newLeftOpen() *leftOpen { return &leftOpen{open: map[lateReleaser]struct{}{}} }

// keep records r as open. It is false once the server stopped (a request that
// was still being served when it did): the caller then closes r itself.
func (l *leftOpen) keep(r lateReleaser) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	l.open[r] = struct{}{}
	return true
}

// drop takes r out of the set for its normal release. It is false when
// releaseAll has it already: the caller must not close it a second time.
func (l *leftOpen) drop(r lateReleaser) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.open[r]
	delete(l.open, r)
	return ok
}

// releaseAll closes everything still open. It runs once the server loop has
// ended, so no request uses these descriptors any more; it is idempotent, and
// every call returns only when the descriptors are closed.
func (l *leftOpen) releaseAll() {
	l.once.Do(func() {
		l.mu.Lock()
		l.stopped = true
		open := l.open
		l.open = nil
		l.mu.Unlock()
		for r := range open {
			r.releaseLate()
		}
	})
}

// dirStream is a directory stream of the cache, tracked so that a RELEASEDIR
// that never comes does not leave its descriptor open.
type dirStream struct {
	fs.DirStream // go-fuse's loopback stream: its Close is idempotent
	open         *leftOpen
}

var _ = (fs.FileSeekdirer)((*dirStream)(nil))

// Close is go-fuse's RELEASEDIR.
func (d *dirStream) Close() {
	if d.open.drop(d) {
		d.DirStream.Close()
	}
}

func (d *dirStream) releaseLate() { d.DirStream.Close() }

// Seekdir is forwarded: go-fuse answers rewinddir(3) through it and says
// ENOTSUP to a stream without one.
func (d *dirStream) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	if sd, ok := d.DirStream.(fs.FileSeekdirer); ok {
		return sd.Seekdir(ctx, off)
	}
	return syscall.ENOTSUP
}
