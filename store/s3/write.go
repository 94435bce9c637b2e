package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"roamfs/store"
)

// partSize is the size of one part of a multipart upload: the memory one Put
// of a file of unknown length holds. S3 takes at most 10,000 parts, so a file
// may be up to 80 GB.
const partSize = 8 << 20

// parentDir checks that rel's parent is a folder: S3 has none, so a Put
// into a folder that was never made (or was removed) would invent one.
func (s *Store) parentDir(ctx context.Context, rel string) error {
	dir := path.Dir(rel)
	if dir == "." {
		return nil
	}
	info, _, err := s.head(ctx, dir)
	if err != nil {
		return err
	}
	if info.Kind != store.KindDir {
		return fmt.Errorf("%q is a %s: %w", dir, info.Kind, fs.ErrNotExist)
	}
	return nil
}

// notFolder fails when rel is a folder (its marker exists).
func (s *Store) notFolder(ctx context.Context, rel string) error {
	_, err := s.c.StatObject(ctx, s.target.Bucket, s.marker(rel), minio.StatObjectOptions{})
	switch err = mapErr(err); {
	case err == nil:
		return fmt.Errorf("a folder: %w", store.ErrIsDir)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	}
	return err
}

// checkWrite runs the checks every replacing write shares.
func (s *Store) checkWrite(ctx context.Context, rel string) error {
	if err := s.check(ctx, rel); err != nil {
		return err
	}
	if rel == "" {
		return fmt.Errorf("the profile root: %w", store.ErrIsDir)
	}
	if err := s.parentDir(ctx, rel); err != nil {
		return err
	}
	return s.notFolder(ctx, rel)
}

// Put implements store.Store: one PUT (or one multipart upload, for more
// than a part), atomic on the server.
func (s *Store) Put(ctx context.Context, rel string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if err := s.checkWrite(ctx, rel); err != nil {
		return opError(store.OpPut, rel, err)
	}
	if err := s.put(ctx, rel, r, mode, mtime); err != nil {
		return opError(store.OpPut, rel, err)
	}
	return nil
}

func (s *Store) put(ctx context.Context, rel string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if mtime.IsZero() {
		mtime = time.Now()
	}
	size := int64(-1)
	switch f := r.(type) {
	case *os.File:
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil {
				size = fi.Size() - off
			}
		}
	case interface{ Len() int }: // bytes.Reader, bytes.Buffer, strings.Reader: one PUT, not a multipart upload
		size = int64(f.Len())
	}
	_, err := s.c.PutObject(ctx, s.target.Bucket, s.key(rel), r, size, minio.PutObjectOptions{
		UserMetadata: userMeta(kindFile, mode, mtime, ""),
		ContentType:  "application/octet-stream",
		PartSize:     partSize,
	})
	return mapErr(err)
}

// PutVia implements store.Store. S3 has no rename, so there is no
// temporary object: the name is checked as the contract asks (a bare name,
// no file of that name) and the data goes straight to rel.
func (s *Store) PutVia(ctx context.Context, rel, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	if tmp == "" || tmp == "." || tmp == ".." || strings.ContainsAny(tmp, "/\x00") {
		return opError(store.OpPut, rel, fmt.Errorf("%w: temporary name %q", store.ErrInvalidPath, tmp))
	}
	if err := s.checkWrite(ctx, rel); err != nil {
		return opError(store.OpPut, rel, err)
	}
	sib := path.Join(path.Dir(rel), tmp)
	if _, err := s.c.StatObject(ctx, s.target.Bucket, s.key(sib), minio.StatObjectOptions{}); err == nil {
		return opError(store.OpPut, rel, fmt.Errorf("temporary %q: %w", tmp, fs.ErrExist))
	} else if err = mapErr(err); !errors.Is(err, fs.ErrNotExist) {
		return opError(store.OpPut, rel, err)
	}
	if err := s.put(ctx, rel, r, mode, mtime); err != nil {
		return opError(store.OpPut, rel, err)
	}
	return nil
}

// PutIf implements store.Conditional: a single PUT of size bytes (streamed
// from r) with If-Match: tag, or If-None-Match: * for tag "".
func (s *Store) PutIf(ctx context.Context, rel string, r io.Reader, size int64, mode fs.FileMode, mtime time.Time, tag string) (string, error) {
	if err := s.checkWrite(ctx, rel); err != nil {
		return "", opError(store.OpPut, rel, err)
	}
	if size < 0 || size > 5<<30 {
		return "", opError(store.OpPut, rel, fmt.Errorf("a conditional write takes 0 to 5 GiB, not %d bytes: %w", size, fs.ErrInvalid))
	}
	if mtime.IsZero() {
		mtime = time.Now()
	}
	o := minio.PutObjectOptions{UserMetadata: userMeta(kindFile, mode, mtime, ""), ContentType: "application/octet-stream"}
	if tag == "" {
		o.SetMatchETagExcept("*")
	} else {
		o.SetMatchETag(strings.Trim(tag, `"`))
	}
	ui, err := s.core.PutObject(ctx, s.target.Bucket, s.key(rel), r, size, "", "", o)
	if err != nil {
		err = mapErr(err)
		if tag != "" && errors.Is(err, fs.ErrNotExist) {
			// If-Match on an object removed since: some servers say 404.
			err = fmt.Errorf("%w (removed since it was read)", store.ErrPrecondition)
		}
		return "", opError(store.OpPut, rel, err)
	}
	return ui.ETag, nil
}

// putMarker writes rel's folder marker.
func (s *Store) putMarker(ctx context.Context, rel string, mode fs.FileMode, mtime time.Time) error {
	_, err := s.c.PutObject(ctx, s.target.Bucket, s.marker(rel), bytes.NewReader(nil), 0, minio.PutObjectOptions{
		UserMetadata: userMeta(kindDir, mode, mtime, ""),
	})
	return mapErr(err)
}

// Mkdir implements store.Store. An existing folder keeps its time.
func (s *Store) Mkdir(ctx context.Context, rel string, mode fs.FileMode) error {
	if err := s.check(ctx, rel); err != nil {
		return opError(store.OpMkdir, rel, err)
	}
	if rel == "" {
		return opError(store.OpMkdir, rel, fmt.Errorf("the profile root: %w", store.ErrInvalidPath))
	}
	if err := s.parentDir(ctx, rel); err != nil {
		return opError(store.OpMkdir, rel, err)
	}
	mtime := time.Now()
	info, _, err := s.head(ctx, rel)
	switch {
	case err == nil && info.Kind != store.KindDir:
		return opError(store.OpMkdir, rel, fmt.Errorf("a %s: %w", info.Kind, fs.ErrExist))
	case err == nil:
		mtime = info.MTime
	case !errors.Is(err, fs.ErrNotExist):
		return opError(store.OpMkdir, rel, err)
	}
	if err := s.putMarker(ctx, rel, mode, mtime); err != nil {
		return opError(store.OpMkdir, rel, err)
	}
	return nil
}

// Symlink implements store.Store: an object whose metadata names the target
// (its body holds it too, for a reader that ignores metadata).
func (s *Store) Symlink(ctx context.Context, target, rel string) error {
	if err := s.checkWrite(ctx, rel); err != nil {
		return opError(store.OpSymlink, rel, err)
	}
	_, err := s.c.PutObject(ctx, s.target.Bucket, s.key(rel), strings.NewReader(target), int64(len(target)), minio.PutObjectOptions{
		UserMetadata: userMeta(kindSymlink, 0, time.Now(), target),
		ContentType:  "text/plain",
	})
	if err != nil {
		return opError(store.OpSymlink, rel, mapErr(err))
	}
	return nil
}

// Remove implements store.Store.
func (s *Store) Remove(ctx context.Context, rel string) error {
	if err := s.check(ctx, rel); err != nil {
		return opError(store.OpRemove, rel, err)
	}
	if rel == "" {
		return opError(store.OpRemove, rel, fmt.Errorf("the profile root: %w", store.ErrInvalidPath))
	}
	info, _, err := s.head(ctx, rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return opError(store.OpRemove, rel, err)
	case info.Kind == store.KindDir:
		return s.removeFolder(ctx, rel)
	}
	if err := s.c.RemoveObject(ctx, s.target.Bucket, s.key(rel), minio.RemoveObjectOptions{}); err != nil {
		return opError(store.OpRemove, rel, mapErr(err))
	}
	return nil
}

// removeFolder removes rel's marker when nothing else is under it.
func (s *Store) removeFolder(ctx context.Context, rel string) error {
	m := s.marker(rel)
	for oi := range s.c.ListObjects(ctx, s.target.Bucket, minio.ListObjectsOptions{Prefix: m, Recursive: true, MaxKeys: 2}) {
		if oi.Err != nil {
			return opError(store.OpRemove, rel, mapErr(oi.Err))
		}
		if oi.Key != m {
			return opError(store.OpRemove, rel, store.ErrNotEmpty)
		}
	}
	if err := s.c.RemoveObject(ctx, s.target.Bucket, m, minio.RemoveObjectOptions{}); err != nil {
		return opError(store.OpRemove, rel, mapErr(err))
	}
	return nil
}

// SetTimes implements store.Store: a copy of the object onto itself with
// its metadata replaced (S3 cannot change metadata in place), conditional on
// the ETag just read so that a file another machine replaced meanwhile is
// not put back.
func (s *Store) SetTimes(ctx context.Context, rel string, mtime time.Time) error {
	if err := s.check(ctx, rel); err != nil {
		return opError(store.OpSetTimes, rel, err)
	}
	if mtime.IsZero() {
		return opError(store.OpSetTimes, rel, fmt.Errorf("zero time: %w", fs.ErrInvalid))
	}
	info, tag, err := s.head(ctx, rel)
	if err != nil {
		return opError(store.OpSetTimes, rel, err)
	}
	if info.Kind == store.KindDir {
		// A marker has no content to keep: write it again.
		if err := s.putMarker(ctx, rel, info.Mode, mtime); err != nil {
			return opError(store.OpSetTimes, rel, err)
		}
		return nil
	}
	kind := kindFile
	if info.Kind == store.KindSymlink {
		kind = kindSymlink
	}
	key := s.key(rel)
	_, err = s.c.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: s.target.Bucket, Object: key, ReplaceMetadata: true, UserMetadata: userMeta(kind, info.Mode, mtime, info.Target)},
		minio.CopySrcOptions{Bucket: s.target.Bucket, Object: key, MatchETag: strings.Trim(tag, `"`)})
	if err != nil {
		err = mapErr(err)
		if errors.Is(err, store.ErrPrecondition) {
			err = fmt.Errorf("%w: replaced while its time was set", store.ErrChanged)
		}
		return opError(store.OpSetTimes, rel, err)
	}
	return nil
}

// CleanTemp implements store.Store: the TempPrefix objects a Dir-style
// writer left (a profile copied from a share), and every multipart upload
// left open under the profile (an interrupted Put of a large file, here or
// on another machine), whose parts the server would otherwise keep.
func (s *Store) CleanTemp(ctx context.Context) (int, error) {
	n := 0
	for oi := range s.c.ListObjects(ctx, s.target.Bucket, minio.ListObjectsOptions{Prefix: s.base, Recursive: true}) {
		if oi.Err != nil {
			return n, opError(store.OpCleanTemp, "", mapErr(oi.Err))
		}
		if strings.HasSuffix(oi.Key, "/") || !strings.HasPrefix(path.Base(oi.Key), store.TempPrefix) {
			continue
		}
		if err := s.c.RemoveObject(ctx, s.target.Bucket, oi.Key, minio.RemoveObjectOptions{}); err != nil {
			return n, opError(store.OpCleanTemp, strings.TrimPrefix(oi.Key, s.base), mapErr(err))
		}
		n++
	}
	for u := range s.c.ListIncompleteUploads(ctx, s.target.Bucket, s.base, true) {
		if u.Err != nil {
			return n, opError(store.OpCleanTemp, "", mapErr(u.Err))
		}
		if err := s.core.AbortMultipartUpload(ctx, s.target.Bucket, u.Key, u.UploadID); err != nil {
			if err = mapErr(err); !errors.Is(err, fs.ErrNotExist) {
				return n, opError(store.OpCleanTemp, strings.TrimPrefix(u.Key, s.base), err)
			}
		}
		n++
	}
	return n, nil
}
