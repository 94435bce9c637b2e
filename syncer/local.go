package syncer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"roamfs/internal/entry"
	"roamfs/store"
)

// local is the cache's copy of the profile files, reached only through an
// os.Root so a name from a hostile server copy can never lead outside it.
type local struct {
	root  *os.Root
	owner *Owner // who files brought into the cache belong to; nil = the daemon
}

// Owner is the profile's user: the daemon runs as root on their behalf.
type Owner struct {
	UID, GID int
}

// own gives rel to the profile's user.
func (l *local) own(rel string) error {
	if l.owner == nil {
		return nil
	}
	return l.root.Lchown(name(rel), l.owner.UID, l.owner.GID)
}

func openLocal(dir string) (*local, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &local{root: r}, nil
}

func (l *local) close() error { return l.root.Close() }

func name(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

// stat describes rel without following a final symlink; absent is KindNone.
func (l *local) stat(rel string) (Version, error) {
	// os.Root follows a symlink in the middle of a path; for a sync, as for the
	// store, a path below a symlink does not exist (a journaled path whose folder
	// was replaced by a symlink must not be uploaded as a folder).
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if fi, err := l.root.Lstat(d); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return Version{}, nil
		}
	}
	return l.lstat(rel)
}

// lstat is stat for a path whose folders are known not to be symlinks.
func (l *local) lstat(rel string) (Version, error) { return lstatIn(l.root, name(rel)) }

// lstatIn describes name, relative to root, without following a final
// symlink; absent (or below a file) is KindNone.
func lstatIn(root *os.Root, name string) (Version, error) {
	fi, err := root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return Version{}, nil
	}
	if err != nil {
		return Version{}, err
	}
	var target string
	if fi.Mode()&fs.ModeSymlink != 0 {
		if target, err = root.Readlink(name); err != nil {
			return Version{}, err
		}
	}
	return fromInfo(fi, target), nil
}

// walk calls fn for every entry under rel (not rel itself), parents first,
// never following symlinks. fn returning fs.SkipDir skips a directory.
func (l *local) walk(rel string, fn func(p string, v Version) error) error {
	return fs.WalkDir(l.root.FS(), name(rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == name(rel) {
			return nil
		}
		// The listing of a folder in an os.Root has already described each
		// entry (an lstat relative to the open folder), and WalkDir enters
		// no symlink: stat-ing p again by its path resolved every folder
		// above it once more, which was 84% of a 100,000-file re-logon.
		// A symlink needs its target, and an entry gone since the listing
		// is described by its path as before.
		fi, err := d.Info()
		if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
			v, err := l.lstat(p)
			if err != nil {
				return err
			}
			return fn(p, v)
		}
		return fn(p, fromInfo(fi, ""))
	})
}

// walkNames is walk for a caller that needs only the names (a logoff plan
// collecting a touched folder's subtree): no stat of each entry.
func (l *local) walkNames(rel string, fn func(p string) error) error {
	return fs.WalkDir(l.root.FS(), name(rel), func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == name(rel) {
			return nil
		}
		return fn(p)
	})
}

// place writes r into rel atomically (temporary name in the same directory, then
// rename), with the server's mode and mtime, replacing whatever is there.
func (l *local) place(rel string, r io.Reader, v Version) error {
	d, err := l.openDir(path.Dir(rel))
	if err != nil {
		return err
	}
	defer d.close()
	return d.place(path.Base(rel), r, v)
}

// clearFor removes what stands at rel if it is not of kind k (a directory only
// if empty), so a kind change on the server can be applied.
func (l *local) clearFor(rel string, k Kind) error {
	cur, err := l.stat(rel)
	if err != nil || !cur.Present() || cur.Kind == k || (k == KindFile && cur.Kind == KindFile) {
		return err
	}
	if cur.Kind == KindDir || k == KindDir || k == KindSymlink {
		return l.root.Remove(rel)
	}
	return nil
}

func (l *local) mkdir(rel string, v Version) error {
	if err := l.clearFor(rel, KindDir); err != nil {
		return err
	}
	if err := l.root.MkdirAll(rel, 0o700); err != nil {
		return err
	}
	if err := l.own(rel); err != nil {
		return err
	}
	return l.root.Chmod(rel, entry.FromPOSIX(v.Mode))
}

func (l *local) symlink(rel string, v Version) error {
	if err := l.clearFor(rel, KindSymlink); err != nil {
		return err
	}
	if cur, _ := l.stat(rel); cur.Kind == KindSymlink {
		if cur.Target == v.Target {
			return nil
		}
		if err := l.root.Remove(rel); err != nil {
			return err
		}
	}
	if err := l.root.Symlink(v.Target, rel); err != nil {
		return err
	}
	return l.own(rel)
}

func (l *local) remove(rel string) error {
	err := l.root.Remove(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// isTemp reports a name roamfs writes only while copying: its own temporary
// files and a hive upload's NAME.{GUID}.tmp. Neither is ever profile data.
func isTemp(rel string) bool {
	base := path.Base(rel)
	return strings.HasPrefix(base, store.TempPrefix) || hiveTempRe.MatchString(base)
}

func randomSuffix() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
