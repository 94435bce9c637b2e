package gofuse

import (
	"fmt"
	"path"
	"strings"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
)

// The kernel keeps entries, attributes and negative lookups for
// Options.CacheTimeout (an hour by default): roamfs is the only writer of its
// cache while it is mounted, and every operation through the mount updates the
// kernel's view itself (the reply's attributes; the kernel invalidates a
// file's size and times after a passthrough write, a directory's after an
// entry in it changed, and the link count after link, unlink and rename over).
// What is left is what the kernel cannot see:
//   - the daemon changing the cache itself (a streamed fill, a write-back pull,
//     a merge while mounted): it calls Server.InvalidatePath;
//   - an operation that failed after it changed the cache (the journal append
//     after a mkdir): invalidateAfter.

// InvalidatePath makes the kernel forget what it caches of rel (a
// profile-relative path, "" for the root): its directory entry, or the
// negative entry of a name that did not exist, its attributes and cached data,
// and its parent directory's attributes. Call it after the daemon itself
// created, changed, replaced or removed rel in the cache, so that the next
// access through the mount sees the cache as it is.
//
// It must not be called from within a FUSE request of this mount, nor while
// holding a lock that such a request may wait for: the kernel answers it only
// once it holds the parent directory's lock, which a request in that directory
// keeps until the daemon replies. A path the kernel has never looked up is
// not in its cache, and that is no error.
func (s *Server) InvalidatePath(rel string) error {
	return s.root.invalidatePath(rel)
}

// invalidatePath is InvalidatePath on the mount whose root is n.
func (n *Node) invalidatePath(rel string) error {
	rel = strings.Trim(path.Clean("/"+rel), "/")
	root := n.EmbeddedInode()
	if rel == "" {
		n.caps.forget()
		return notified("root", root.NotifyContent(0, 0))
	}
	dir, name := path.Split(rel)
	parent := root
	for _, c := range strings.Split(strings.Trim(dir, "/"), "/") {
		if c == "" {
			continue
		}
		if parent = parent.GetChild(c); parent == nil {
			return nil // the kernel knows nothing beneath a folder it never looked up
		}
	}
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	if child := parent.GetChild(name); child != nil {
		if cn, ok := child.Operations().(*Node); ok {
			cn.caps.forget()
		}
		keep(notified(rel, child.NotifyContent(0, 0)))
	}
	keep(notified(rel, parent.NotifyEntry(name)))
	keep(notified(path.Dir(rel), parent.NotifyContent(-1, 0)))
	return first
}

// notified turns a notification's answer into an error. ENOENT is the kernel
// saying it has no such inode or entry cached: nothing to forget.
func notified(what string, e syscall.Errno) error {
	if e == 0 || e == syscall.ENOENT {
		return nil
	}
	return fmt.Errorf("invalidate %s in the kernel: %w", what, e)
}

// invalidateAfter makes the kernel forget n's attributes and the entries
// names under n, with their inodes' attributes, once the current request has
// been answered, when err says the failed operation may have changed the
// cache before it failed: the overlay journals most operations after doing
// them, so a journal append that fails (EIO, ENOSPC, ...) leaves a mkdir or an
// unlink done, and the kernel would trust its old view for an hour.
//
// Errors that prove nothing was done (EEXIST, ENOENT, ENOTEMPTY, ...) change
// nothing: those are most failures, and dropping the kernel's entries costs
// more than lookups. Hard-linked inodes reached again through other names make
// go-fuse's choice of an inode's path (Inode.Path) brittle after the kernel
// dropped one of its names (issue 12: TestDifferentialRandomOps, seed
// 1796403889643705726, wrote to the wrong name when every failure did this).
//
// It cannot wait for the kernel: the request's caller holds the directory's
// lock until the reply, and the notification needs it.
func (n *Node) invalidateAfter(err error, names ...string) {
	if !mayHaveChanged(err) {
		return
	}
	go func() {
		for _, name := range names {
			if ch := n.GetChild(name); ch != nil {
				_ = ch.NotifyContent(-1, 0)
			}
			_ = n.NotifyEntry(name)
		}
		_ = n.NotifyContent(-1, 0)
	}()
}

// invalidateTwo is invalidateAfter for an operation on two directories (a
// rename).
func invalidateTwo(err error, a *Node, aName string, b fs.InodeEmbedder, bName string) {
	a.invalidateAfter(err, aName)
	if bn, ok := b.(*Node); ok {
		bn.invalidateAfter(err, bName)
	}
}

// mayHaveChanged is false for the errors of an operation refused before it
// changed anything: the kernel's view is still right.
func mayHaveChanged(err error) bool {
	switch errno(err) {
	case 0, syscall.EEXIST, syscall.ENOENT, syscall.ENOTEMPTY, syscall.EISDIR, syscall.ENOTDIR,
		syscall.EACCES, syscall.EPERM, syscall.EINVAL, syscall.EXDEV, syscall.ELOOP,
		syscall.ENAMETOOLONG, syscall.EBUSY, syscall.EMLINK, syscall.ENODATA, syscall.ERANGE,
		syscall.ENOTSUP, syscall.EBADF, syscall.E2BIG, syscall.ETXTBSY:
		return false
	}
	return true
}
