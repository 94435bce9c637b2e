package smb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"roamfs/store"
)

// Store is a profile folder on an SMB share. Safe for concurrent use.
type Store struct {
	target Target
	base   string // the profile folder inside the share, '\'-separated
	c      *conn
	limits limits
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Limits = (*Store)(nil)
)

// Options are what Open needs besides the address.
type Options struct {
	// Credentials is an smbclient authentication file; "" takes the
	// password from ROAMFS_SMB_PASSWORD.
	Credentials string
	// Create makes a missing profile folder (and its parents).
	Create bool
}

// Open connects to spec (smb://[DOMAIN;]USER@HOST[:PORT]/SHARE/PATH) and
// opens the profile folder PATH. A missing folder is created when o.Create
// is set and is an error wrapping fs.ErrNotExist otherwise. It probes the
// share's time granularity and case rule with a temporary file, when the
// share lets it write one.
func Open(ctx context.Context, spec string, o Options) (*Store, error) {
	t, err := ParseURL(spec)
	if err != nil {
		return nil, err
	}
	creds, err := ResolveCredentials(t, o.Credentials)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", t, err)
	}
	s := &Store{
		target: t, base: strings.ReplaceAll(t.Path, "/", `\`),
		c:      &conn{target: t, creds: creds},
		limits: defaultLimits,
	}
	if err := s.openBase(ctx, o.Create); err != nil {
		s.c.close()
		return nil, err
	}
	s.limits = s.probe(ctx)
	return s, nil
}

func (s *Store) openBase(ctx context.Context, create bool) error {
	var fi os.FileInfo
	err := s.c.do(ctx, func(sh *smb2.Share) (e error) { fi, e = sh.Lstat(s.base); return })
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		err = s.c.do(ctx, func(sh *smb2.Share) error { return sh.MkdirAll(s.base, 0o700) })
		if err != nil {
			return fmt.Errorf("store: create profile folder %s: %w", s.target.UNC(), err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("store: open profile folder %s: %w", s.target.UNC(), err)
	case !fi.IsDir():
		return fmt.Errorf("store: open profile folder %s: %w", s.target.UNC(), store.ErrNotDir)
	}
	return nil
}

// Close logs off the server.
func (s *Store) Close() error { return s.c.close() }

// Root is the address, without credentials.
func (s *Store) Root() string { return s.target.String() }

// full is rel's path in the share; rel must have passed check.
func (s *Store) full(rel string) string {
	r := strings.ReplaceAll(rel, "/", `\`)
	switch {
	case s.base == "":
		return r
	case r == "":
		return s.base
	}
	return s.base + `\` + r
}

// check applies the Store path rules and the names SMB can hold.
func check(ctx context.Context, rel string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckRel(rel); err != nil {
		return err
	}
	if rel == "" {
		return nil
	}
	for name := range strings.SplitSeq(rel, "/") {
		if err := checkName(name); err != nil {
			return fmt.Errorf("%w %q: %w", store.ErrInvalidPath, rel, err)
		}
	}
	return nil
}

// checkName refuses what an SMB server cannot take in a name: '\' would be
// a second separator, ':' names an alternate data stream, the others are
// wildcards or reserved characters Windows refuses.
func checkName(name string) error {
	if i := strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || strings.ContainsRune(`\:*?"<>|`, r) }); i >= 0 {
		return fmt.Errorf("%q cannot be stored on an SMB share (reserved character %q)", name, name[i])
	}
	return nil
}

func opError(op, rel string, err error) error {
	return fmt.Errorf("store: %s %q: %w", op, rel, err)
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, rel string) (store.Info, error) {
	if err := check(ctx, rel); err != nil {
		return store.Info{}, opError(store.OpStat, rel, err)
	}
	var info store.Info
	err := s.c.do(ctx, func(sh *smb2.Share) error {
		fi, err := sh.Lstat(s.full(rel))
		if err != nil {
			return err
		}
		info, err = s.infoOf(sh, rel, fi)
		return err
	})
	if err != nil {
		return store.Info{}, opError(store.OpStat, rel, err)
	}
	return info, nil
}

// infoOf describes the entry rel that Lstat or Readdir described as fi.
func (s *Store) infoOf(sh *smb2.Share, rel string, fi os.FileInfo) (store.Info, error) {
	info := store.Info{Path: rel, MTime: fi.ModTime(), Allocated: -1}
	st, _ := fi.Sys().(*smb2.FileStat)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		// A reparse point: a Windows symlink has a target; a junction or
		// another kind of reparse point is nothing a profile can roam.
		target, err := sh.Readlink(s.full(rel))
		if err != nil {
			info.Kind = store.KindOther
			return info, nil
		}
		info.Kind, info.Target, info.Size = store.KindSymlink, target, int64(len(target))
	case fi.IsDir():
		info.Kind, info.Mode = store.KindDir, dirMode
	default:
		info.Kind, info.Size, info.Mode = store.KindFile, fi.Size(), fileMode(fi.Mode())
		if st != nil {
			info.Allocated = st.AllocationSize
		}
		if fi.Size() == mfSize {
			target, ok, err := readMFSymlink(sh, s.full(rel))
			if err != nil {
				return store.Info{}, err
			}
			if ok {
				info.Kind, info.Target, info.Size, info.Mode, info.Allocated = store.KindSymlink, target, int64(len(target)), 0, -1
			}
		}
	}
	return info, nil
}

// The modes an SMB share reports: it keeps only the read-only attribute,
// and a roaming profile is private to its user.
const (
	dirMode      fs.FileMode = 0o700
	fileMode0    fs.FileMode = 0o600
	readOnlyMode fs.FileMode = 0o400
)

func fileMode(m fs.FileMode) fs.FileMode {
	if m&0o200 == 0 {
		return readOnlyMode
	}
	return fileMode0
}

// Open implements store.Store.
func (s *Store) Open(ctx context.Context, rel string) (io.ReadCloser, store.Info, error) {
	if err := check(ctx, rel); err != nil {
		return nil, store.Info{}, opError(store.OpOpen, rel, err)
	}
	if rel == "" {
		return nil, store.Info{}, opError(store.OpOpen, rel, fmt.Errorf("the profile root: %w", store.ErrNotRegular))
	}
	var f *smb2.File
	var info store.Info
	err := s.c.do(ctx, func(sh *smb2.Share) (err error) {
		f, info, err = s.open(sh, rel)
		return err
	})
	if err != nil {
		return nil, store.Info{}, opError(store.OpOpen, rel, err)
	}
	return f, info, nil
}

// open opens the regular file rel and describes what it opened. go-smb2
// follows a Windows symlink on the client side; one followed shows as a
// changed name and is refused.
func (s *Store) open(sh *smb2.Share, rel string) (*smb2.File, store.Info, error) {
	name := s.full(rel)
	f, err := sh.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, store.Info{}, err
	}
	fail := func(err error) (*smb2.File, store.Info, error) { f.Close(); return nil, store.Info{}, err }
	if f.Name() != name {
		return fail(fmt.Errorf("a link on the server: %w", store.ErrNotRegular))
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	info, err := s.infoOf(sh, rel, fi)
	if err != nil {
		return fail(err)
	}
	if info.Kind != store.KindFile {
		return fail(fmt.Errorf("a %s: %w", info.Kind, store.ErrNotRegular))
	}
	return f, info, nil
}

// Walk implements store.Store.
func (s *Store) Walk(ctx context.Context, rel string, fn func(store.Info) error) error {
	err := s.walk(ctx, rel, func(_ *smb2.Share, info store.Info) error { return fn(info) })
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

func (s *Store) walk(ctx context.Context, rel string, fn func(*smb2.Share, store.Info) error) error {
	if err := check(ctx, rel); err != nil {
		return opError(store.OpWalk, rel, err)
	}
	if rel != "" {
		info, err := s.Stat(ctx, rel)
		if err != nil {
			return err
		}
		if info.Kind != store.KindDir {
			return opError(store.OpWalk, rel, fmt.Errorf("a %s: %w", info.Kind, errBelowLink))
		}
	}
	return s.walkDir(ctx, rel, fn)
}

// walkDir visits the entries of directory rel in byte order, each
// directory's contents right after it.
func (s *Store) walkDir(ctx context.Context, rel string, fn func(*smb2.Share, store.Info) error) error {
	var infos []store.Info
	var sh *smb2.Share
	err := s.c.do(ctx, func(share *smb2.Share) (err error) {
		sh = share
		infos, err = s.list(share, rel)
		return err
	})
	if errors.Is(err, fs.ErrNotExist) && rel != "" {
		return nil // removed since it was listed
	}
	if err != nil {
		return opError(store.OpWalk, rel, err)
	}
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return opError(store.OpWalk, info.Path, err)
		}
		err := fn(sh, info)
		if errors.Is(err, fs.SkipDir) {
			if info.Kind == store.KindDir {
				continue
			}
			return nil
		}
		if err != nil {
			return err
		}
		if info.Kind == store.KindDir {
			if err := s.walkDir(ctx, info.Path, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// list reads directory rel, sorted by name.
func (s *Store) list(sh *smb2.Share, rel string) ([]store.Info, error) {
	name := s.full(rel)
	d, err := sh.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if d.Name() != name {
		return nil, fmt.Errorf("%q: %w", rel, store.ErrChanged) // a link swapped in
	}
	fis, err := d.Readdir(-1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	slices.SortFunc(fis, func(a, b os.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	infos := make([]store.Info, 0, len(fis))
	for _, fi := range fis {
		info, err := s.infoOf(sh, joinRel(rel, fi.Name()), fi)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}

func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// Kept implements store.Limits.
func (s *Store) Kept(kind store.Kind, mode fs.FileMode, mtime time.Time) (fs.FileMode, time.Time) {
	switch kind {
	case store.KindDir:
		mode = dirMode
	case store.KindFile:
		mode = fileMode(mode)
	default:
		mode = 0
	}
	return mode, s.limits.time(mtime)
}

// FoldsCase implements store.Limits.
func (s *Store) FoldsCase() bool { return s.limits.foldsCase }
