package test

// Operations of TestDifferentialRandomOps on descriptors held open across
// other operations, and on extended attributes.

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

func (g *gen) opHeldOpen() fsOp {
	if g.nHeld() >= maxHeld {
		return g.opHeldClose()
	}
	p := g.choose(w(85, g.file()), w(5, g.dir()), w(10, g.absentC()))
	return fsOp{"hopen", "open and hold " + p, func(root string) (string, error) {
		fd, err := unix.Open(at(root, p), unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", err
		}
		g.held[root] = append(g.held[root], fd)
		return fmt.Sprintf("slot %d", len(g.held[root])-1), nil
	}}
}

// heldOp runs fn on held descriptor i, or opens one when none is held.
func (g *gen) heldOp(name, what string, fn func(fd int) (string, error)) fsOp {
	n := g.nHeld()
	if n == 0 {
		return g.opHeldOpen()
	}
	i := g.r.IntN(n)
	return fsOp{name, fmt.Sprintf("%s through held slot %d", what, i), func(root string) (string, error) {
		return fn(g.held[root][i])
	}}
}

func (g *gen) opHeldWrite() fsOp {
	off, data := g.r.Int64N(20000), g.data(8192)
	return g.heldOp("hwrite", fmt.Sprintf("pwrite %d+%d", off, len(data)), func(fd int) (string, error) {
		n, err := unix.Pwrite(fd, data, off)
		return fmt.Sprintf("wrote %d", n), err
	})
}

func (g *gen) opHeldRead() fsOp {
	off, n := g.r.Int64N(20000), 1+g.r.IntN(16384)
	return g.heldOp("hread", fmt.Sprintf("pread %d+%d", off, n), func(fd int) (string, error) {
		buf := make([]byte, n)
		got, err := unix.Pread(fd, buf, off)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d bytes sha256 %x", got, sha256.Sum256(buf[:got])), nil
	})
}

func (g *gen) opHeldTruncate() fsOp {
	size := g.r.Int64N(20000)
	return g.heldOp("htruncate", fmt.Sprintf("ftruncate %d", size), func(fd int) (string, error) {
		return "", unix.Ftruncate(fd, size)
	})
}

func (g *gen) opHeldStat() fsOp {
	return g.heldOp("hstat", "fstat", func(fd int) (string, error) {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return "", err
		}
		return fmt.Sprintf("mode %o size %d nlink %d", st.Mode, st.Size, st.Nlink), nil
	})
}

func (g *gen) opHeldClose() fsOp {
	n := g.nHeld()
	if n == 0 {
		return g.opRead()
	}
	i := g.r.IntN(n)
	return fsOp{"hclose", fmt.Sprintf("close held slot %d", i), func(root string) (string, error) {
		fds := g.held[root]
		fd := fds[i]
		g.held[root] = append(fds[:i:i], fds[i+1:]...)
		return "", unix.Close(fd)
	}}
}

// opXattr sets, reads, lists or removes a user extended attribute (the l*
// calls: a symlink's own attributes, which Linux refuses for user.*).
func (g *gen) opXattr() fsOp {
	p := g.choose(w(55, g.file()), w(25, g.dir()), w(10, g.symlink()), w(10, g.absentC()))
	attr := fmt.Sprintf("user.k%d", g.r.IntN(3))
	switch g.r.IntN(4) {
	case 0:
		val := g.data(64)
		flags := []int{0, 0, unix.XATTR_CREATE, unix.XATTR_REPLACE}[g.r.IntN(4)]
		return fsOp{"xattr", fmt.Sprintf("lsetxattr %s %s len=%d flags=%d", p, attr, len(val), flags), func(root string) (string, error) {
			return "", unix.Lsetxattr(at(root, p), attr, val, flags)
		}}
	case 1:
		return fsOp{"xattr", fmt.Sprintf("lgetxattr %s %s", p, attr), func(root string) (string, error) {
			buf := make([]byte, 256)
			n, err := unix.Lgetxattr(at(root, p), attr, buf)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%x", buf[:n]), nil
		}}
	case 2:
		return fsOp{"xattr", "llistxattr " + p, func(root string) (string, error) {
			buf := make([]byte, 4096)
			n, err := unix.Llistxattr(at(root, p), buf)
			if err != nil {
				return "", err
			}
			var user []string
			for _, a := range strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00") {
				if strings.HasPrefix(a, "user.") { // security.* labels are the filesystem's own
					user = append(user, a)
				}
			}
			sort.Strings(user)
			return strings.Join(user, ","), nil
		}}
	default:
		return fsOp{"xattr", fmt.Sprintf("lremovexattr %s %s", p, attr), func(root string) (string, error) {
			return "", unix.Lremovexattr(at(root, p), attr)
		}}
	}
}
