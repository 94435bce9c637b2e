package smb

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"roamfs/store"
)

// Put implements store.Store: the bytes go to a temporary file next to rel,
// which gets its time and read-only attribute, is flushed, and is renamed
// over rel with ReplaceIfExists, so a reader on another machine sees the old
// file or the new one. A file open elsewhere with a share mode that forbids
// replacing it fails the rename with ErrSharingViolation.
func (s *Store) Put(ctx context.Context, rel string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if err := s.put(ctx, rel, tempName(), r, mode, mtime); err != nil {
		return opError(store.OpPut, rel, err)
	}
	return nil
}

// PutVia implements store.Store.
func (s *Store) PutVia(ctx context.Context, rel, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if tmp == "" || tmp == "." || tmp == ".." || strings.ContainsAny(tmp, "/\x00") || checkName(tmp) != nil {
		return opError(store.OpPut, rel, fmt.Errorf("temporary name %q: %w", tmp, store.ErrInvalidPath))
	}
	if err := s.put(ctx, rel, tmp, r, mode, mtime); err != nil {
		return opError(store.OpPut, rel, err)
	}
	return nil
}

func (s *Store) put(ctx context.Context, rel, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if err := checkWrite(ctx, rel); err != nil {
		return err
	}
	dst := s.full(rel)
	tmpPath := siblingOf(dst, tmp)
	first := true
	return s.c.do(ctx, func(sh *smb2.Share) error {
		if !first {
			sk, ok := r.(io.Seeker)
			if !ok {
				return errNoRerun
			}
			if _, err := sk.Seek(0, io.SeekStart); err != nil {
				return err
			}
			sh.Remove(tmpPath) // what the dropped try left, if the server kept it
		}
		first = false
		if err := refuseDir(sh, dst); err != nil {
			return err
		}
		if err := writeTemp(ctx, sh, tmpPath, r, mode, mtime); err != nil {
			sh.Remove(tmpPath)
			return err
		}
		return commit(sh, tmpPath, dst)
	})
}

// writeTemp creates tmp (which must not exist) with the bytes of r and its
// final metadata. The time is set after the handle is closed: a server
// applies the write time of pending writes at close.
func writeTemp(ctx context.Context, sh *smb2.Share, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	f, err := sh.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if ctx.Done() != nil {
		r = ctxReader{ctx, r}
	}
	_, err = io.Copy(writerOnly{f}, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if !mtime.IsZero() {
		if err := sh.Chtimes(tmp, mtime, mtime); err != nil {
			return err
		}
	}
	if mode&0o200 == 0 {
		return sh.Chmod(tmp, 0o400)
	}
	return nil
}

// share is what commit needs of a share: *smb2.Share, or a test's fake.
type share interface {
	Rename(oldpath, newpath string) error
	Lstat(name string) (fs.FileInfo, error)
	Chmod(name string, mode fs.FileMode) error
	Remove(name string) error
}

// commit renames tmp over dst. A read-only file at dst refuses to be
// replaced (Windows' rule, and Samba's with `delete readonly = no`): its
// attribute is cleared and the rename tried again. A file open on another
// client refuses too: that passes, so it is tried again for a while and then
// reported as ErrSharingViolation, which is transient. A refusal by the
// server's permissions is reported at once as fs.ErrPermission (permanent).
func commit(sh share, tmp, dst string) error {
	err := sh.Rename(tmp, dst)
	why := refusal(sh, tmp, dst, err)
	for pause := 10 * time.Millisecond; (why == refusedReadOnly || why == refusedHeld) && pause < 500*time.Millisecond; pause *= 2 {
		if why == refusedReadOnly {
			sh.Chmod(dst, 0o600)
		} else {
			time.Sleep(pause)
		}
		err = sh.Rename(tmp, dst)
		why = refusal(sh, tmp, dst, err)
	}
	switch why {
	case refusedHeld, refusedReadOnly:
		err = fmt.Errorf("replace %s: %w (%v)", dst, ErrSharingViolation, err)
	case refusedDenied:
		err = fmt.Errorf("replace %s: the server's permissions refuse it (STATUS_ACCESS_DENIED; no other client holds it): %w", dst, err)
	}
	if err != nil {
		sh.Remove(tmp)
		if refuseDir(sh, dst) != nil {
			return fmt.Errorf("%w (created meanwhile)", store.ErrIsDir)
		}
		return classify(err)
	}
	return nil
}

// Why a rename of tmp over dst failed, as far as commit cares.
const (
	refusedNot      = iota // it did not fail, or for another reason
	refusedReadOnly        // dst has the read-only attribute
	refusedHeld            // dst is open on another client
	refusedDenied          // the server's permissions (ACL, sticky folder) forbid it
)

// refusal tells why the rename of tmp over dst failed with err. go-smb2
// reports STATUS_ACCESS_DENIED as fs.ErrPermission and
// STATUS_SHARING_VIOLATION as a ResponseError. The first means a held file
// too: a Windows server refuses to replace a target that is open anywhere
// with ACCESS_DENIED ([MS-FSCC] 2.4.42), as it refuses a read-only one or
// one its ACL forbids deleting. So ACCESS_DENIED is looked into:
//   - no dst: nothing can hold it, the refusal is the permissions' (on tmp
//     or the folder; a held tmp would be SHARING_VIOLATION);
//   - a read-only dst: the attribute;
//   - dst renamed to its own name (a no-op that opens it for DELETE with only
//     FILE_SHARE_DELETE): ACCESS_DENIED is the permissions' (the access check
//     comes before the share check), SHARING_VIOLATION is a holder;
//   - that succeeding, tmp renamed to its own name: ACCESS_DENIED is the
//     permissions' on tmp; else a holder the probe could not see (a handle
//     without data access, as an indexer's), which passes.
func refusal(sh share, tmp, dst string, err error) int {
	if err == nil {
		return refusedNot
	}
	if code, ok := ntStatus(err); ok && code == statusSharingViolation {
		return refusedHeld
	}
	if !errors.Is(err, fs.ErrPermission) {
		return refusedNot
	}
	fi, lerr := sh.Lstat(dst)
	switch {
	case errors.Is(lerr, fs.ErrNotExist):
		return refusedDenied
	case lerr != nil:
		return refusedHeld // cannot tell: the retries decide
	case !fi.IsDir() && fi.Mode()&0o200 == 0:
		return refusedReadOnly
	}
	perr := sh.Rename(dst, dst)
	if code, ok := ntStatus(perr); ok && code == statusSharingViolation {
		return refusedHeld
	}
	if errors.Is(perr, fs.ErrPermission) {
		return refusedDenied
	}
	if perr == nil && errors.Is(sh.Rename(tmp, tmp), fs.ErrPermission) {
		return refusedDenied
	}
	return refusedHeld
}

// refuseDir fails with ErrIsDir if dst is a directory.
func refuseDir(sh share, dst string) error {
	if fi, err := sh.Lstat(dst); err == nil && fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
		return store.ErrIsDir
	}
	return nil
}

// Mkdir implements store.Store. A share keeps no permission bits: mode is
// not stored (Stat reports 0700).
func (s *Store) Mkdir(ctx context.Context, rel string, mode fs.FileMode) error {
	if err := checkWrite(ctx, rel); err != nil {
		return opError(store.OpMkdir, rel, err)
	}
	name := s.full(rel)
	err := s.c.do(ctx, func(sh *smb2.Share) error {
		err := sh.Mkdir(name, 0o700)
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, lerr := sh.Lstat(name)
		if lerr != nil {
			return lerr
		}
		if !fi.IsDir() || fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("another entry is in the way: %w", fs.ErrExist)
		}
		return nil
	})
	if err != nil {
		return opError(store.OpMkdir, rel, err)
	}
	return nil
}

// Symlink implements store.Store with a Minshall+French symlink file.
func (s *Store) Symlink(ctx context.Context, target, rel string) error {
	b, err := mfSymlink(target)
	if err == nil {
		err = s.put(ctx, rel, tempName(), bytes.NewReader(b), 0o600, time.Time{})
	}
	if err != nil {
		return opError(store.OpSymlink, rel, err)
	}
	return nil
}

// Remove implements store.Store.
func (s *Store) Remove(ctx context.Context, rel string) error {
	if err := checkWrite(ctx, rel); err != nil {
		return opError(store.OpRemove, rel, err)
	}
	name := s.full(rel)
	err := s.c.do(ctx, func(sh *smb2.Share) error { return sh.Remove(name) })
	if errors.Is(err, fs.ErrNotExist) {
		return nil // absent, or a parent is absent or not a directory
	}
	if err != nil {
		return opError(store.OpRemove, rel, err)
	}
	return nil
}

// SetTimes implements store.Store. A Windows symlink or junction cannot be
// given a time without following it: it keeps its own.
func (s *Store) SetTimes(ctx context.Context, rel string, mtime time.Time) error {
	if mtime.IsZero() {
		return opError(store.OpSetTimes, rel, fmt.Errorf("zero mtime: %w", fs.ErrInvalid))
	}
	if err := check(ctx, rel); err != nil {
		return opError(store.OpSetTimes, rel, err)
	}
	name := s.full(rel)
	err := s.c.do(ctx, func(sh *smb2.Share) error {
		fi, err := sh.Lstat(name)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil
		}
		return sh.Chtimes(name, mtime, mtime)
	})
	if err != nil {
		return opError(store.OpSetTimes, rel, err)
	}
	return nil
}

// CleanTemp implements store.Store.
func (s *Store) CleanTemp(ctx context.Context) (int, error) {
	n := 0
	err := s.walk(ctx, "", func(sh *smb2.Share, info store.Info) error {
		name := info.Path[strings.LastIndexByte(info.Path, '/')+1:]
		if info.Kind == store.KindDir || !strings.HasPrefix(name, store.TempPrefix) {
			return nil
		}
		err := s.c.do(ctx, func(sh *smb2.Share) error { return sh.Remove(s.full(info.Path)) })
		switch {
		case err == nil:
			n++
		case !errors.Is(err, fs.ErrNotExist):
			return opError(store.OpCleanTemp, info.Path, err)
		}
		return nil
	})
	return n, err
}

// checkWrite is check for a call that changes rel, which must not be the root.
func checkWrite(ctx context.Context, rel string) error {
	if err := check(ctx, rel); err != nil {
		return err
	}
	if rel == "" {
		return fmt.Errorf("%w: the profile root itself", store.ErrInvalidPath)
	}
	return nil
}

// siblingOf is the path of name in the directory of full.
func siblingOf(full, name string) string {
	if i := strings.LastIndexByte(full, '\\'); i >= 0 {
		return full[:i+1] + name
	}
	return name
}

// tempName returns a fresh store.TempPrefix name.
func tempName() string { return store.TempPrefix + rand.Text() }

// writerOnly hides go-smb2's ReadFrom, whose server-side copy is only for
// another file of the same share and whose fallback reads in small chunks.
type writerOnly struct{ io.Writer }

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
