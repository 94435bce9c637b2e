package gofuse

import (
	"context"
	"errors"
	"path"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"roamfs/overlay"
)

// Node is a file, directory or symlink of the mounted profile.
type Node struct {
	fs.Inode
	p    *overlay.Profile
	open *leftOpen // the mount's, shared by all its nodes

	mu    sync.Mutex
	files map[*File]struct{} // open handles: a file unlinked while open is reached through them

	caps capCache // whether it has a security.capability xattr (xattr.go)
}

// opened tracks a new handle. Once the server stopped (the open was still
// being served) the handle is released at once and the open fails.
func (n *Node) opened(f *File) syscall.Errno {
	n.mu.Lock()
	if n.files == nil {
		n.files = map[*File]struct{}{}
	}
	n.files[f] = struct{}{}
	n.mu.Unlock()
	if !n.open.keep(f) {
		_ = f.release()
		return syscall.ENODEV
	}
	return 0
}

func (n *Node) released(f *File) {
	n.mu.Lock()
	delete(n.files, f)
	n.mu.Unlock()
}

// anyFile is an open handle of n, for fchmod/futimens of a file that lost its
// last name: the kernel does not say which handle those came through.
func (n *Node) anyFile() *File {
	n.mu.Lock()
	defer n.mu.Unlock()
	for f := range n.files {
		return f
	}
	return nil
}

var (
	_ = (fs.NodeLookuper)((*Node)(nil))
	_ = (fs.NodeGetattrer)((*Node)(nil))
	_ = (fs.NodeSetattrer)((*Node)(nil))
	_ = (fs.NodeMkdirer)((*Node)(nil))
	_ = (fs.NodeMknoder)((*Node)(nil))
	_ = (fs.NodeCreater)((*Node)(nil))
	_ = (fs.NodeOpener)((*Node)(nil))
	_ = (fs.NodeUnlinker)((*Node)(nil))
	_ = (fs.NodeRmdirer)((*Node)(nil))
	_ = (fs.NodeRenamer)((*Node)(nil))
	_ = (fs.NodeSymlinker)((*Node)(nil))
	_ = (fs.NodeLinker)((*Node)(nil))
	_ = (fs.NodeReadlinker)((*Node)(nil))
	_ = (fs.NodeReaddirer)((*Node)(nil))
	_ = (fs.NodeStatfser)((*Node)(nil))
	_ = (fs.NodeGetxattrer)((*Node)(nil))
	_ = (fs.NodeSetxattrer)((*Node)(nil))
	_ = (fs.NodeListxattrer)((*Node)(nil))
	_ = (fs.NodeRemovexattrer)((*Node)(nil))
)

// NewRoot is the root node of a mount serving p.
func NewRoot(p *overlay.Profile) *Node { return &Node{p: p, open: newLeftOpen()} }

// rel is this node's profile-relative path ("" for the root). A node whose last
// name was unlinked while open still answers through its open handles.
func (n *Node) rel() string { return n.Path(nil) }

// path is rel for operations by path; a node that lost its last name has none
// (and "" would be the root).
func (n *Node) path() (string, syscall.Errno) {
	if n.IsRoot() {
		return "", 0
	}
	if _, parent := n.Parent(); parent == nil {
		return "", syscall.ENOENT
	}
	return n.Path(nil), 0
}

func (n *Node) child(name string) string { return path.Join(n.rel(), name) }

// errno maps the overlay's errors (wrapped unix errnos) to a FUSE status. An
// error without an errno is an internal failure: EIO, never a silent success.
func errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

func owner(ctx context.Context) *overlay.Owner {
	if c, ok := fuse.FromContext(ctx); ok {
		return &overlay.Owner{UID: c.Uid, GID: c.Gid}
	}
	return nil
}

// newChild wraps the cache entry name in an inode. Inode numbers are the
// cache's, so hard links share one inode as they do on disk. go-fuse hands
// out the inode it already has for the same number and generation, so the
// generation must tell a file from an earlier one whose number the cache
// filesystem reused: with numbers alone, the kernel's entry of a file the
// daemon replaced behind the mount became the later file, and reads and
// stats of one path served another (TestReusedInodeNumber). A filesystem
// without file handles has only the numbers (generation 0).
func (n *Node) newChild(ctx context.Context, name string, st *unix.Stat_t, out *fuse.EntryOut) *fs.Inode {
	fillAttr(&out.Attr, st)
	gen, _ := n.p.Generation(n.child(name))
	return n.NewInode(ctx, &Node{p: n.p, open: n.open}, fs.StableAttr{Mode: st.Mode & syscall.S_IFMT, Ino: st.Ino, Gen: gen})
}

func (n *Node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	st, err := n.p.Lstat(n.child(name))
	if err != nil {
		return nil, errno(err)
	}
	return n.newChild(ctx, name, &st, out), 0
}

func (n *Node) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if fh, ok := f.(*File); ok {
		st, err := fh.h.Stat()
		if err != nil {
			return errno(err)
		}
		fillAttr(&out.Attr, &st)
		return 0
	}
	rel, e := n.path()
	if e != 0 {
		if f := n.anyFile(); f != nil {
			return f.Getattr(ctx, out)
		}
		return e
	}
	st, err := n.p.Lstat(rel)
	if err != nil {
		return errno(err)
	}
	fillAttr(&out.Attr, &st)
	return 0
}

func (n *Node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	var a overlay.Attr
	if m, ok := in.GetMode(); ok {
		a.Mode = &m
	}
	if u, ok := in.GetUID(); ok {
		a.UID = &u
	}
	if g, ok := in.GetGID(); ok {
		a.GID = &g
	}
	if s, ok := in.GetSize(); ok {
		a.Size = &s
	}
	if t, ok := in.GetATime(); ok {
		a.Atime = &t
	}
	if t, ok := in.GetMTime(); ok {
		a.Mtime = &t
	}
	var st unix.Stat_t
	var err error
	fh, _ := f.(*File)
	rel, e := n.path()
	if fh == nil && e != 0 {
		fh = n.anyFile()
	}
	switch {
	case fh != nil:
		st, err = fh.h.Setattr(fh.path(), a)
	case e != 0:
		return e
	default:
		st, err = n.p.Setattr(rel, a)
	}
	if err != nil {
		n.invalidateAfter(err)
		return errno(err)
	}
	fillAttr(&out.Attr, &st)
	return 0
}

func (n *Node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	st, err := n.p.Mkdir(n.child(name), mode, owner(ctx))
	if err != nil {
		n.invalidateAfter(err, name)
		return nil, errno(err)
	}
	return n.newChild(ctx, name, &st, out), 0
}

func (n *Node) Mknod(ctx context.Context, name string, mode, dev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	st, err := n.p.Mknod(n.child(name), mode, dev, owner(ctx))
	if err != nil {
		n.invalidateAfter(err, name)
		return nil, errno(err)
	}
	return n.newChild(ctx, name, &st, out), 0
}

func (n *Node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	st, err := n.p.Symlink(target, n.child(name), owner(ctx))
	if err != nil {
		n.invalidateAfter(err, name)
		return nil, errno(err)
	}
	return n.newChild(ctx, name, &st, out), 0
}

func (n *Node) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	st, err := n.p.Link(target.EmbeddedInode().Path(nil), n.child(name))
	if err != nil {
		n.invalidateAfter(err, name)
		return nil, errno(err)
	}
	return n.newChild(ctx, name, &st, out), 0
}

func (n *Node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	rel, e := n.path()
	if e != 0 {
		return nil, e
	}
	b, err := n.p.Readlink(rel)
	return b, errno(err)
}

func (n *Node) Unlink(ctx context.Context, name string) syscall.Errno {
	err := n.p.Unlink(n.child(name))
	if err != nil {
		n.invalidateAfter(err, name)
	}
	return errno(err)
}

func (n *Node) Rmdir(ctx context.Context, name string) syscall.Errno {
	err := n.p.Rmdir(n.child(name))
	if err != nil {
		n.invalidateAfter(err, name)
	}
	return errno(err)
}

func (n *Node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	newRel := path.Join(newParent.EmbeddedInode().Path(nil), newName)
	err := n.p.Rename(n.child(name), newRel, flags)
	if err != nil {
		invalidateTwo(err, n, name, newParent, newName)
	}
	return errno(err)
}

func (n *Node) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	rel, e := n.path()
	if e != 0 {
		return nil, e
	}
	fd, err := n.p.OpenDir(rel)
	if err != nil {
		return nil, errno(err)
	}
	ls, e := fs.NewLoopbackDirStreamFd(fd)
	if e != 0 {
		unix.Close(fd)
		return nil, e
	}
	d := &dirStream{DirStream: ls, open: n.open}
	if !n.open.keep(d) {
		ls.Close()
		return nil, syscall.ENODEV // the mount is gone: nobody reads this reply
	}
	return d, 0
}

func (n *Node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	s, err := n.p.Statfs()
	if err != nil {
		return errno(err)
	}
	fillStatfs(out, &s)
	return 0
}
