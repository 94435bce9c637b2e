package gofuse

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"roamfs/overlay"
)

// File is an open file of the mount. With kernel passthrough (PassthroughFd)
// reads and writes never reach it; Read and Write serve kernels without it.
type File struct {
	n *Node
	h *overlay.Handle
}

var (
	_ = (fs.FileReader)((*File)(nil))
	_ = (fs.FileWriter)((*File)(nil))
	_ = (fs.FileFlusher)((*File)(nil))
	_ = (fs.FileFsyncer)((*File)(nil))
	_ = (fs.FileReleaser)((*File)(nil))
	_ = (fs.FileGetattrer)((*File)(nil))
	_ = (fs.FileLseeker)((*File)(nil))
	_ = (fs.FileAllocater)((*File)(nil))
	_ = (fs.FilePassthroughFder)((*File)(nil))
	_ = (fs.NodeOpener)((*Node)(nil))
	_ = (fs.NodeCreater)((*Node)(nil))
)

func (n *Node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	rel, e := n.path()
	if e != 0 {
		return nil, 0, e
	}
	h, err := n.p.Open(rel, int(flags))
	if err != nil {
		if flags&syscall.O_TRUNC != 0 {
			n.invalidateAfter(err) // it may have been truncated before the journal failed
		}
		return nil, 0, errno(err)
	}
	f := &File{n: n, h: h}
	if e := n.opened(f); e != 0 {
		return nil, 0, e
	}
	return f, 0, 0
}

func (n *Node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	h, st, err := n.p.Create(n.child(name), int(flags), mode, owner(ctx))
	if err != nil {
		n.invalidateAfter(err, name)
		return nil, nil, 0, errno(err)
	}
	ch := n.newChild(ctx, name, &st, out)
	cn := ch.Operations().(*Node)
	if flags&syscall.O_EXCL != 0 {
		// A file this call made has no file capabilities: the GETXATTR before
		// each of its writes is answered at once. (Without O_EXCL it may be an
		// existing file the kernel believed absent.)
		cn.caps.learnAbsent(0)
	}
	f := &File{n: cn, h: h}
	if e := cn.opened(f); e != 0 {
		return nil, nil, 0, e
	}
	return ch, f, 0, 0
}

// path is the file's current path, or "" once its last name is gone.
func (f *File) path() string {
	rel, e := f.n.path()
	if e != 0 {
		return ""
	}
	return rel
}

func (f *File) PassthroughFd() (int, bool) { return f.h.Fd(), true }

func (f *File) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := f.h.ReadAt(dest, off)
	if err != nil {
		return nil, errno(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (f *File) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	n, err := f.h.WriteAt(data, off)
	return uint32(n), errno(err)
}

func (f *File) Flush(ctx context.Context) syscall.Errno { return errno(f.h.Flush()) }

func (f *File) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return errno(f.h.Fsync(f.path(), flags&1 != 0))
}

// Release is the kernel's RELEASE; a handle the server stopped before it came
// was released by releaseAll already.
func (f *File) Release(ctx context.Context) syscall.Errno {
	if !f.n.open.drop(f) {
		return 0
	}
	return errno(f.release())
}

// releaseLate releases a handle the kernel never will, journaling its final
// size under its current path like a RELEASE would. Nobody is left to hear of
// an error (the overlay logs a failed journal append itself).
func (f *File) releaseLate() { _ = f.release() }

func (f *File) release() error {
	f.n.released(f)
	return f.h.Release(f.path())
}

func (f *File) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	st, err := f.h.Stat()
	if err != nil {
		return errno(err)
	}
	fillAttr(&out.Attr, &st)
	return 0
}

func (f *File) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	n, err := f.h.Seek(int64(off), int(whence))
	return uint64(n), errno(err)
}

func (f *File) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	return errno(f.h.Allocate(f.path(), int64(off), int64(size), mode))
}
