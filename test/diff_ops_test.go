package test

// The operations of TestDifferentialRandomOps: a seeded generator choosing
// targets from a model of the plain directory, and the operations themselves,
// each run once per side with the same arguments.

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// outcome is an operation's result as compared between the two sides: its
// result string, or the step that failed and the errno.
func outcome(res string, err error) string {
	if err == nil {
		return "ok " + res
	}
	var oe opErr
	if errors.As(err, &oe) {
		return "error " + oe.stage + " " + errnoName(oe.err)
	}
	return "error " + errnoName(err)
}

type opErr struct {
	stage string
	err   error
}

func (e opErr) Error() string { return e.stage + ": " + e.err.Error() }

func stageErr(stage string, err error) error { return opErr{stage, err} }

func errnoName(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
		return fmt.Sprintf("errno %d", int(e))
	}
	return fmt.Sprintf("non-errno error %T", err)
}

// model is the plain directory's tree before an operation, for choosing
// targets. Directories include the root "".
type model struct {
	files, dirs, links []string
	empty              map[string]bool // empty directories
	size               map[string]int64
}

func (m model) count() int { return len(m.files) + len(m.dirs) + len(m.links) }

func loadModel(t *testing.T, root string) model {
	m := model{dirs: []string{""}, empty: map[string]bool{}, size: map[string]int64{}}
	tr := snapshotNoHash(t, root)
	for _, p := range tr.paths() {
		switch e := tr[p]; e.Kind {
		case "file":
			m.files = append(m.files, p)
			m.size[p] = e.Size
		case "dir":
			m.dirs = append(m.dirs, p)
		case "symlink":
			m.links = append(m.links, p)
		}
	}
	for _, d := range m.dirs {
		m.empty[d] = true
	}
	for p := range tr {
		parent := path.Dir(p)
		if parent == "." {
			parent = ""
		}
		delete(m.empty, parent)
	}
	return m
}

// snapshotNoHash is a cheap listing: kinds and sizes only.
func snapshotNoHash(t *testing.T, root string) tree {
	tr := tree{}
	var walk func(rel string)
	walk = func(rel string) {
		ents, err := os.ReadDir(filepath.Join(root, rel))
		if err != nil {
			t.Fatalf("list %s: %v", root, err)
		}
		for _, de := range ents {
			p := path.Join(rel, de.Name())
			switch {
			case de.Type().IsDir():
				tr[p] = entry{Kind: "dir"}
				walk(p)
			case de.Type()&os.ModeSymlink != 0:
				tr[p] = entry{Kind: "symlink"}
			default:
				fi, err := de.Info()
				if err != nil {
					t.Fatalf("list %s: %v", root, err)
				}
				tr[p] = entry{Kind: "file", Size: fi.Size()}
			}
		}
	}
	walk("")
	return tr
}

// gen makes random operations. Every random choice is made before the
// operation runs, so both sides get exactly the same one.
type gen struct {
	r     *rand.Rand
	m     model
	n     int // for names that certainly do not exist
	start time.Time
	// held are descriptors kept open across operations, per side (root),
	// index for index the same file: renames, unlinks and links happen
	// while files are open, as they do in a desktop session.
	held map[string][]int
}

const maxHeld = 4

func (g *gen) nHeld() int {
	for _, fds := range g.held {
		return len(fds)
	}
	return 0
}

func (g *gen) closeHeld() {
	for root, fds := range g.held {
		for _, fd := range fds {
			unix.Close(fd)
		}
		delete(g.held, root)
	}
}

type fsOp struct {
	name, desc string
	do         func(root string) (string, error)
}

// names is a small pool, so operations keep meeting each other's results.
var names = []string{"a", "b", "c", "d", "e", "f", "g", "h"}

var (
	fileModes = []uint32{0o644, 0o600, 0o640, 0o755, 0o444, 0o700, 0o664}
	dirModes  = []uint32{0o755, 0o700, 0o750, 0o770, 0o711}
)

func depth(rel string) int {
	if rel == "" {
		return 0
	}
	return strings.Count(rel, "/") + 1
}

func (g *gen) pick(list []string) (string, bool) {
	if len(list) == 0 {
		return "", false
	}
	return list[g.r.IntN(len(list))], true
}

func (g *gen) nonRootDirs() []string { return g.m.dirs[1:] }

// absent is a path that certainly does not exist, in an existing directory.
func (g *gen) absent() string {
	g.n++
	d, _ := g.pick(g.m.dirs)
	return path.Join(d, fmt.Sprintf("nx%d", g.n))
}

// badParent is a path whose parent is a file (ENOTDIR) or absent (ENOENT).
func (g *gen) badParent() string {
	if f, ok := g.pick(g.m.files); ok && g.r.IntN(2) == 0 {
		return path.Join(f, "x")
	}
	return path.Join(g.absent(), "x")
}

// fresh is a pool name in a random directory (it may exist already).
func (g *gen) fresh(maxParentDepth int) string {
	var ds []string
	for _, d := range g.m.dirs {
		if depth(d) <= maxParentDepth {
			ds = append(ds, d)
		}
	}
	d, _ := g.pick(ds)
	return path.Join(d, names[g.r.IntN(len(names))])
}

// choose picks among weighted target kinds; a kind with nothing to offer
// falls through to an absent path.
type choice struct {
	w    int
	pick func() (string, bool)
}

func (g *gen) choose(cs ...choice) string {
	total := 0
	for _, c := range cs {
		total += c.w
	}
	n := g.r.IntN(total)
	for _, c := range cs {
		if n < c.w {
			if p, ok := c.pick(); ok {
				return p
			}
			break
		}
		n -= c.w
	}
	return g.absent()
}

func (g *gen) file() choice { return choice{pick: func() (string, bool) { return g.pick(g.m.files) }} }
func (g *gen) dir() choice {
	return choice{pick: func() (string, bool) { return g.pick(g.nonRootDirs()) }}
}
func (g *gen) symlink() choice {
	return choice{pick: func() (string, bool) { return g.pick(g.m.links) }}
}
func (g *gen) absentC() choice {
	return choice{pick: func() (string, bool) { return g.absent(), true }}
}
func (g *gen) badC() choice {
	return choice{pick: func() (string, bool) { return g.badParent(), true }}
}
func (g *gen) freshC(maxParentDepth int) choice {
	return choice{pick: func() (string, bool) { return g.fresh(maxParentDepth), true }}
}
func (g *gen) emptyDir() choice {
	return choice{pick: func() (string, bool) {
		var ds []string
		for _, d := range g.nonRootDirs() {
			if g.m.empty[d] {
				ds = append(ds, d)
			}
		}
		return g.pick(ds)
	}}
}
func (g *gen) fullDir() choice {
	return choice{pick: func() (string, bool) {
		var ds []string
		for _, d := range g.nonRootDirs() {
			if !g.m.empty[d] {
				ds = append(ds, d)
			}
		}
		return g.pick(ds)
	}}
}

func w(n int, c choice) choice { c.w = n; return c }

func (g *gen) data(max int) []byte {
	n := g.r.IntN(max + 1)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

// randomTime is an explicit time well before the test started, with
// nanoseconds, so it cannot be confused with one a write set.
func (g *gen) randomTime() time.Time {
	return time.Unix(978307200+g.r.Int64N(600_000_000), g.r.Int64N(1e9))
}

func (g *gen) next() fsOp {
	type kind struct {
		w    int
		make func() fsOp
	}
	removal := 0
	if g.m.count() > 90 { // keep the tree small enough to meet itself
		removal = 30
	}
	kinds := []kind{
		{14, g.opCreate}, {14, g.opWrite}, {7, g.opTruncate}, {10, g.opRename},
		{7 + removal, g.opUnlink}, {4, g.opMkdir}, {5 + removal/2, g.opRmdir}, {5, g.opChmod},
		{6, g.opUtimes}, {5, g.opLink}, {5, g.opSymlink}, {10, g.opRead}, {2, g.opReadlink},
		{4, g.opStat}, {2, g.opReaddir},
		{3, g.opHeldOpen}, {4, g.opHeldWrite}, {2, g.opHeldRead}, {1, g.opHeldTruncate},
		{2, g.opHeldStat}, {2, g.opHeldClose}, {4, g.opXattr},
	}
	total := 0
	for _, k := range kinds {
		total += k.w
	}
	n := g.r.IntN(total)
	for _, k := range kinds {
		if n < k.w {
			return k.make()
		}
		n -= k.w
	}
	panic("unreachable")
}

func at(root, rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }

func (g *gen) opCreate() fsOp {
	p := g.choose(w(70, g.freshC(3)), w(15, g.file()), w(5, g.dir()), w(5, g.symlink()), w(5, g.badC()))
	flags := unix.O_WRONLY | unix.O_CREAT | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if g.r.IntN(4) == 0 {
		flags |= unix.O_EXCL
	}
	if g.r.IntN(5) < 2 {
		flags |= unix.O_TRUNC
	}
	mode := fileModes[g.r.IntN(len(fileModes))]
	data := g.data(4096)
	return fsOp{"create", fmt.Sprintf("create %s flags=%#x mode=%04o len=%d", p, flags, mode, len(data)), func(root string) (string, error) {
		fd, err := unix.Open(at(root, p), flags, mode)
		if err != nil {
			return "", stageErr("open", err)
		}
		defer unix.Close(fd)
		n, err := unix.Write(fd, data)
		if err != nil {
			return "", stageErr("write", err)
		}
		return fmt.Sprintf("wrote %d", n), nil
	}}
}

func (g *gen) opWrite() fsOp {
	p := g.choose(w(80, g.file()), w(5, g.dir()), w(5, g.symlink()), w(5, g.absentC()), w(5, g.badC()))
	flags := unix.O_WRONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if g.r.IntN(10) == 0 {
		flags = unix.O_RDWR | unix.O_NOFOLLOW | unix.O_CLOEXEC
	}
	if g.r.IntN(10) == 0 {
		flags |= unix.O_APPEND
	}
	size := g.m.size[p]
	type chunk struct {
		off  int64
		data []byte
	}
	var chunks []chunk
	var desc []string
	for range 1 + g.r.IntN(4) {
		max := 8192
		if g.r.IntN(10) == 0 {
			max = 70000
		}
		c := chunk{off: g.r.Int64N(size + 10000), data: g.data(max)}
		chunks = append(chunks, c)
		desc = append(desc, fmt.Sprintf("%d+%d", c.off, len(c.data)))
		if end := c.off + int64(len(c.data)); end > size {
			size = end
		}
	}
	fsync := g.r.IntN(10) == 0
	ftrunc := int64(-1)
	if g.r.IntN(10) == 0 {
		ftrunc = g.r.Int64N(size + 5000)
	}
	return fsOp{"write", fmt.Sprintf("write %s flags=%#x at %s fsync=%v ftruncate=%d", p, flags, strings.Join(desc, ","), fsync, ftrunc), func(root string) (string, error) {
		fd, err := unix.Open(at(root, p), flags, 0)
		if err != nil {
			return "", stageErr("open", err)
		}
		defer unix.Close(fd)
		total := 0
		for _, c := range chunks {
			n, err := unix.Pwrite(fd, c.data, c.off)
			if err != nil {
				return "", stageErr("pwrite", err)
			}
			total += n
		}
		if ftrunc >= 0 {
			if err := unix.Ftruncate(fd, ftrunc); err != nil {
				return "", stageErr("ftruncate", err)
			}
		}
		if fsync {
			if err := unix.Fsync(fd); err != nil {
				return "", stageErr("fsync", err)
			}
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return "", stageErr("fstat", err)
		}
		return fmt.Sprintf("wrote %d size %d", total, st.Size), nil
	}}
}

func (g *gen) opTruncate() fsOp {
	// truncate(2) follows symlinks: they are never a target here.
	p := g.choose(w(80, g.file()), w(5, g.dir()), w(10, g.absentC()), w(5, g.badC()))
	size := g.m.size[p]
	if g.r.IntN(2) == 0 {
		size = g.r.Int64N(size + 1)
	} else {
		size += g.r.Int64N(20000)
	}
	return fsOp{"truncate", fmt.Sprintf("truncate %s %d", p, size), func(root string) (string, error) {
		return "", unix.Truncate(at(root, p), size)
	}}
}

func (g *gen) opRename() fsOp {
	src := g.choose(w(45, g.file()), w(20, g.dir()), w(15, g.symlink()), w(10, g.absentC()), w(5, g.badC()), w(5, g.emptyDir()))
	dst := g.choose(w(30, g.file()), w(8, g.emptyDir()), w(7, g.fullDir()), w(5, g.symlink()), w(45, g.freshC(2)), w(5, g.badC()))
	var flags uint
	var fl string
	switch n := g.r.IntN(20); {
	case n < 2:
		flags, fl = unix.RENAME_NOREPLACE, " NOREPLACE"
	case n < 3:
		flags, fl = unix.RENAME_EXCHANGE, " EXCHANGE"
	}
	return fsOp{"rename", fmt.Sprintf("rename%s %s -> %s", fl, src, dst), func(root string) (string, error) {
		return "", unix.Renameat2(unix.AT_FDCWD, at(root, src), unix.AT_FDCWD, at(root, dst), flags)
	}}
}

func (g *gen) opUnlink() fsOp {
	p := g.choose(w(60, g.file()), w(20, g.symlink()), w(7, g.dir()), w(8, g.absentC()), w(5, g.badC()))
	return fsOp{"unlink", "unlink " + p, func(root string) (string, error) {
		return "", unix.Unlink(at(root, p))
	}}
}

func (g *gen) opMkdir() fsOp {
	p := g.choose(w(75, g.freshC(2)), w(4, g.file()), w(3, g.dir()), w(3, g.symlink()), w(10, g.absentC()), w(5, g.badC()))
	mode := dirModes[g.r.IntN(len(dirModes))]
	return fsOp{"mkdir", fmt.Sprintf("mkdir %s %04o", p, mode), func(root string) (string, error) {
		return "", unix.Mkdir(at(root, p), mode)
	}}
}

func (g *gen) opRmdir() fsOp {
	p := g.choose(w(45, g.emptyDir()), w(25, g.fullDir()), w(10, g.file()), w(10, g.absentC()), w(10, g.symlink()))
	return fsOp{"rmdir", "rmdir " + p, func(root string) (string, error) {
		return "", unix.Rmdir(at(root, p))
	}}
}

func (g *gen) opChmod() fsOp {
	// chmod(2) follows symlinks: they are never a target here.
	p := g.choose(w(60, g.file()), w(25, g.dir()), w(10, g.absentC()), w(5, g.badC()))
	mode := fileModes[g.r.IntN(len(fileModes))]
	if g.r.IntN(3) == 0 || contains(g.m.dirs, p) {
		mode = dirModes[g.r.IntN(len(dirModes))]
	}
	return fsOp{"chmod", fmt.Sprintf("chmod %s %04o", p, mode), func(root string) (string, error) {
		return "", unix.Chmod(at(root, p), mode)
	}}
}

func (g *gen) opUtimes() fsOp {
	p := g.choose(w(70, g.file()), w(20, g.dir()), w(10, g.absentC()))
	atime, mtime := g.randomTime(), g.randomTime()
	return fsOp{"utimes", fmt.Sprintf("utimes %s atime=%s mtime=%s", p, atime.Format(time.RFC3339Nano), mtime.Format(time.RFC3339Nano)), func(root string) (string, error) {
		return "", os.Chtimes(at(root, p), atime, mtime)
	}}
}

func (g *gen) opLink() fsOp {
	src := g.choose(w(65, g.file()), w(15, g.symlink()), w(10, g.dir()), w(10, g.absentC()))
	dst := g.choose(w(80, g.freshC(3)), w(10, g.file()), w(5, g.dir()), w(5, g.badC()))
	return fsOp{"link", fmt.Sprintf("link %s -> %s", src, dst), func(root string) (string, error) {
		return "", unix.Link(at(root, src), at(root, dst))
	}}
}

func (g *gen) opSymlink() fsOp {
	var parts []string
	for range 1 + g.r.IntN(3) {
		switch g.r.IntN(4) {
		case 0:
			parts = append(parts, "..")
		default:
			parts = append(parts, names[g.r.IntN(len(names))])
		}
	}
	target := strings.Join(parts, "/")
	dst := g.choose(w(80, g.freshC(3)), w(7, g.file()), w(4, g.symlink()), w(4, g.dir()), w(5, g.badC()))
	return fsOp{"symlink", fmt.Sprintf("symlink %s -> %q", dst, target), func(root string) (string, error) {
		return "", unix.Symlink(target, at(root, dst))
	}}
}

func (g *gen) opRead() fsOp {
	p := g.choose(w(80, g.file()), w(5, g.dir()), w(5, g.symlink()), w(5, g.absentC()), w(5, g.badC()))
	off := g.r.Int64N(g.m.size[p] + 200)
	n := 1 + g.r.IntN(16384)
	return fsOp{"read", fmt.Sprintf("read %s at %d+%d", p, off, n), func(root string) (string, error) {
		fd, err := unix.Open(at(root, p), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", stageErr("open", err)
		}
		defer unix.Close(fd)
		buf := make([]byte, n)
		got, err := unix.Pread(fd, buf, off)
		if err != nil {
			return "", stageErr("pread", err)
		}
		return fmt.Sprintf("%d bytes sha256 %x", got, sha256.Sum256(buf[:got])), nil
	}}
}

func (g *gen) opReadlink() fsOp {
	p := g.choose(w(80, g.symlink()), w(10, g.file()), w(10, g.absentC()))
	return fsOp{"readlink", "readlink " + p, func(root string) (string, error) {
		s, err := os.Readlink(at(root, p))
		return s, err
	}}
}

func (g *gen) opStat() fsOp {
	p := g.choose(w(40, g.file()), w(20, g.dir()), w(20, g.symlink()), w(10, g.absentC()), w(10, g.badC()))
	return fsOp{"stat", "lstat " + p, func(root string) (string, error) {
		var st unix.Stat_t
		if err := unix.Lstat(at(root, p), &st); err != nil {
			return "", err
		}
		size := st.Size
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			size = 0 // a directory's size is the filesystem's business
		}
		return fmt.Sprintf("mode %o size %d nlink %d", st.Mode, size, st.Nlink), nil
	}}
}

func (g *gen) opReaddir() fsOp {
	p := g.choose(w(70, g.dir()), w(20, choice{pick: func() (string, bool) { return "", true }}), w(10, g.file()))
	return fsOp{"readdir", "readdir " + p, func(root string) (string, error) {
		ents, err := os.ReadDir(at(root, p))
		if err != nil {
			return "", err
		}
		var ns []string
		for _, e := range ents {
			ns = append(ns, e.Name()+":"+e.Type().String())
		}
		sort.Strings(ns)
		return strings.Join(ns, " "), nil
	}}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
