// Command loopback is the benchmark's baseline: go-fuse's own loopback file
// system, mounted the way go-fuse's example/loopback mounts it (one-second entry
// and attribute timeouts), plus what roamfs needs to be compared fairly with it:
// a direct mount by root, allow_other with default_permissions.
//
// Usage: loopback [-passthrough=false] SOURCE MOUNTPOINT
//
// It prints "ready" on stdout once the kernel has the mount and unmounts on
// SIGTERM, SIGINT or SIGHUP (and when its parent dies), so the harness never
// leaves it mounted.
//
// Kernel passthrough: go-fuse's LoopbackFile implements PassthroughFd, so as it
// comes, a root-mounted loopback on a kernel with FUSE passthrough (>= 6.9) has
// the kernel read and write the backing file itself. -passthrough=false hides
// the backing descriptor, which is the loopback of the days before passthrough.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

func main() {
	passthrough := flag.Bool("passthrough", true, "offer the backing file to the kernel (FUSE passthrough)")
	ttl := flag.Duration("ttl", time.Second, "entry and attribute timeout")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: loopback [-passthrough=false] [-ttl 1s] SOURCE MOUNTPOINT")
		os.Exit(2)
	}
	src, mnt := flag.Arg(0), flag.Arg(1)
	// Die with the harness: a benchmark killed midway must not leave a mount.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0); err != nil {
		log.Printf("loopback: PR_SET_PDEATHSIG: %v", err)
	}
	root, err := fs.NewLoopbackRoot(src)
	if err != nil {
		log.Fatalf("loopback: %v", err)
	}
	if !*passthrough {
		n := &noPassthroughNode{LoopbackNode: root.(*fs.LoopbackNode)}
		n.RootData.RootNode = n
		root = n
	}
	opts := &fs.Options{
		AttrTimeout:     ttl,
		EntryTimeout:    ttl,
		NullPermissions: true,
		MountOptions: fuse.MountOptions{
			FsName:      src,
			Name:        "rfbench-loopback",
			DirectMount: true,
			AllowOther:  true,
			Options:     []string{"default_permissions"},
		},
	}
	srv, err := fs.Mount(mnt, root, opts)
	if err != nil {
		log.Fatalf("loopback: mount %s: %v", mnt, err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		<-sigs
		unmount(srv, mnt)
	}()
	fmt.Println("ready")
	srv.Wait()
}

// unmount retries while the mount is busy (a benchmark file still open), then
// detaches it lazily: the harness must never be left with a mount.
func unmount(srv *fuse.Server, mnt string) {
	for i := 0; i < 20; i++ {
		if err := srv.Unmount(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := unix.Unmount(mnt, unix.MNT_DETACH); err != nil {
		log.Printf("loopback: lazy unmount %s: %v", mnt, err)
	}
}

// noPassthroughNode is a loopback node whose files never offer their backing
// descriptor, so every read and write goes through the daemon.
type noPassthroughNode struct {
	*fs.LoopbackNode
}

var (
	_ = (fs.NodeWrapChilder)((*noPassthroughNode)(nil))
	_ = (fs.NodeOpener)((*noPassthroughNode)(nil))
	_ = (fs.NodeCreater)((*noPassthroughNode)(nil))
)

func (n *noPassthroughNode) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	return &noPassthroughNode{LoopbackNode: ops.(*fs.LoopbackNode)}
}

func (n *noPassthroughNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	f, ff, errno := n.LoopbackNode.Open(ctx, flags)
	return wrapFile(f), ff, errno
}

func (n *noPassthroughNode) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	ch, f, ff, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	return ch, wrapFile(f), ff, errno
}

func wrapFile(f fs.FileHandle) fs.FileHandle {
	if lf, ok := f.(*fs.LoopbackFile); ok {
		return noPassthroughFile{lf}
	}
	return f
}

// noPassthroughFile is a LoopbackFile that declines passthrough.
type noPassthroughFile struct {
	*fs.LoopbackFile
}

func (noPassthroughFile) PassthroughFd() (int, bool) { return -1, false }
