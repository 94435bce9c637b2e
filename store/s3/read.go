package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"

	"roamfs/store"
)

// head describes rel and returns its ETag: the object rel (a file or a
// symlink), else its folder marker. The root is always a folder. Absent →
// fs.ErrNotExist.
func (s *Store) head(ctx context.Context, rel string) (store.Info, string, error) {
	if rel != "" {
		oi, err := s.c.StatObject(ctx, s.target.Bucket, s.key(rel), minio.StatObjectOptions{})
		if err == nil {
			return infoOf(rel, oi, false), oi.ETag, nil
		}
		if err = mapErr(err); !errors.Is(err, fs.ErrNotExist) {
			return store.Info{}, "", err
		}
	}
	oi, err := s.c.StatObject(ctx, s.target.Bucket, s.marker(rel), minio.StatObjectOptions{})
	if err != nil {
		err = mapErr(err)
		if rel == "" && errors.Is(err, fs.ErrNotExist) {
			// A profile another tool wrote, without its marker.
			return store.Info{Kind: store.KindDir, Mode: 0o700, Allocated: -1}, "", nil
		}
		return store.Info{}, "", err
	}
	return infoOf(rel, oi, true), "", nil
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, rel string) (store.Info, error) {
	if err := s.check(ctx, rel); err != nil {
		return store.Info{}, opError(store.OpStat, rel, err)
	}
	info, _, err := s.head(ctx, rel)
	if err != nil {
		return store.Info{}, opError(store.OpStat, rel, err)
	}
	return info, nil
}

// StatTag implements store.Conditional.
func (s *Store) StatTag(ctx context.Context, rel string) (store.Info, string, error) {
	if err := s.check(ctx, rel); err != nil {
		return store.Info{}, "", opError(store.OpStat, rel, err)
	}
	info, tag, err := s.head(ctx, rel)
	if err != nil {
		return store.Info{}, "", opError(store.OpStat, rel, err)
	}
	return info, tag, nil
}

// Open implements store.Store. The object is read as one GET, so the bytes
// are those of the version Info describes even if it is replaced meanwhile.
func (s *Store) Open(ctx context.Context, rel string) (io.ReadCloser, store.Info, error) {
	if err := s.check(ctx, rel); err != nil {
		return nil, store.Info{}, opError(store.OpOpen, rel, err)
	}
	if rel == "" {
		return nil, store.Info{}, opError(store.OpOpen, rel, fmt.Errorf("the profile root: %w", store.ErrNotRegular))
	}
	obj, err := s.c.GetObject(ctx, s.target.Bucket, s.key(rel), minio.GetObjectOptions{})
	var oi minio.ObjectInfo
	if err == nil {
		oi, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		err = mapErr(err)
		if errors.Is(err, fs.ErrNotExist) {
			if info, _, herr := s.head(ctx, rel); herr == nil {
				err = fmt.Errorf("a %s: %w", info.Kind, store.ErrNotRegular)
			}
		}
		return nil, store.Info{}, opError(store.OpOpen, rel, err)
	}
	info := infoOf(rel, oi, false)
	if info.Kind != store.KindFile {
		obj.Close()
		return nil, store.Info{}, opError(store.OpOpen, rel, fmt.Errorf("a %s: %w", info.Kind, store.ErrNotRegular))
	}
	return obj, info, nil
}

// Walk implements store.Store. One paged listing of the whole subtree, then a
// HEAD of each entry for the metadata S3 listings leave out (at most
// headWorkers at once); entries are handed to fn in the contract's order.
func (s *Store) Walk(ctx context.Context, rel string, fn func(store.Info) error) error {
	if err := s.check(ctx, rel); err != nil {
		return opError(store.OpWalk, rel, err)
	}
	if rel != "" {
		info, err := s.Stat(ctx, rel)
		if err != nil {
			return err
		}
		if info.Kind != store.KindDir {
			return opError(store.OpWalk, rel, notDirError{info.Kind})
		}
	}
	ents, err := s.list(ctx, rel)
	if err != nil {
		return opError(store.OpWalk, rel, err)
	}
	if err := s.describeAll(ctx, ents); err != nil {
		return opError(store.OpWalk, rel, err)
	}
	return visit(ents, fn)
}

// listed is one entry of a listing: an object, a folder marker, or a folder
// only implied by the keys below it.
type listed struct {
	info     store.Info
	key      string // "" for an implied folder
	marker   bool
	lost     bool // removed between the listing and its HEAD
	headDone bool
	implied  bool // a folder a delimited listing names: a marker, or only keys below it
}

// list lists every key under rel's folder and returns the entries sorted
// component by component: parents before children, each folder's entries
// in byte order.
func (s *Store) list(ctx context.Context, rel string) ([]*listed, error) {
	prefix := s.marker(rel)
	byPath := map[string]*listed{}
	for oi := range s.c.ListObjects(ctx, s.target.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if oi.Err != nil {
			return nil, mapErr(oi.Err)
		}
		p, marker := strings.CutSuffix(strings.TrimPrefix(oi.Key, s.base), "/")
		if p == rel || store.CheckRel(p) != nil {
			continue // the folder's own marker; a key no profile path names
		}
		if marker {
			byPath[p] = &listed{key: oi.Key, marker: true}
		} else if byPath[p] == nil || byPath[p].key == "" {
			byPath[p] = &listed{key: oi.Key}
		}
		// Folders implied by the key, for a bucket another tool filled.
		for d := path.Dir(p); d != "." && d != rel; d = path.Dir(d) {
			if _, ok := byPath[d]; ok {
				break
			}
			byPath[d] = &listed{info: impliedFolder(d), headDone: true}
		}
	}
	ents := make([]*listed, 0, len(byPath))
	for p, e := range byPath {
		e.info.Path = p
		ents = append(ents, e)
	}
	slices.SortFunc(ents, func(a, b *listed) int { return comparePaths(a.info.Path, b.info.Path) })
	return ents, nil
}

// impliedFolder describes a folder no marker stands for, only keys below it
// (a bucket another tool filled).
func impliedFolder(rel string) store.Info {
	return store.Info{Path: rel, Kind: store.KindDir, Mode: 0o755, Allocated: -1}
}

// ListDir implements store.DirLister: a listing of rel's folder with a
// delimiter (one request per 1,000 entries) and, to describe them, a HEAD
// of each of its direct entries; nothing below them is listed or read.
func (s *Store) ListDir(ctx context.Context, rel string, describe bool) ([]store.Info, error) {
	if err := s.check(ctx, rel); err != nil {
		return nil, opError(store.OpWalk, rel, err)
	}
	if rel != "" {
		info, err := s.Stat(ctx, rel)
		if err != nil {
			return nil, err
		}
		if info.Kind != store.KindDir {
			return nil, opError(store.OpWalk, rel, notDirError{info.Kind})
		}
	}
	prefix := s.marker(rel)
	byName := map[string]*listed{}
	for oi := range s.c.ListObjects(ctx, s.target.Bucket, minio.ListObjectsOptions{Prefix: prefix}) {
		if oi.Err != nil {
			return nil, opError(store.OpWalk, rel, mapErr(oi.Err))
		}
		name, folder := strings.CutSuffix(strings.TrimPrefix(oi.Key, prefix), "/")
		p := name
		if rel != "" {
			p = rel + "/" + name
		}
		if name == "" || strings.Contains(name, "/") || store.CheckRel(p) != nil {
			continue // the folder's own marker; a key no profile path names
		}
		if folder {
			// A common prefix: the folder's marker, or keys below it only.
			byName[name] = &listed{info: store.Info{Path: p, Kind: store.KindDir}, key: oi.Key, marker: true, implied: true}
		} else if byName[name] == nil {
			byName[name] = &listed{info: store.Info{Path: p, Kind: store.KindFile}, key: oi.Key}
		}
	}
	ents := make([]*listed, 0, len(byName))
	for _, e := range byName {
		e.headDone = !describe
		ents = append(ents, e)
	}
	slices.SortFunc(ents, func(a, b *listed) int { return strings.Compare(a.info.Path, b.info.Path) })
	if describe {
		if err := s.describeAll(ctx, ents); err != nil {
			return nil, opError(store.OpWalk, rel, err)
		}
	}
	out := make([]store.Info, 0, len(ents))
	for _, e := range ents {
		if !e.lost {
			out = append(out, e.info)
		}
	}
	return out, nil
}

var _ store.DirLister = (*Store)(nil)

// comparePaths orders paths component by component ("a" < "a/x" < "a-b").
func comparePaths(a, b string) int {
	for {
		ha, ta, moreA := strings.Cut(a, "/")
		hb, tb, moreB := strings.Cut(b, "/")
		if c := strings.Compare(ha, hb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = ta, tb
	}
}

const headWorkers = 16

// describeAll fills each listed entry's Info from a HEAD of its key.
func (s *Store) describeAll(ctx context.Context, ents []*listed) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan *listed)
	)
	for range headWorkers {
		wg.Go(func() {
			for e := range next {
				oi, err := s.c.StatObject(ctx, s.target.Bucket, e.key, minio.StatObjectOptions{})
				if err = mapErr(err); errors.Is(err, fs.ErrNotExist) {
					if e.implied {
						e.info = impliedFolder(e.info.Path)
					} else {
						e.lost = true
					}
					continue
				}
				if err != nil {
					mu.Lock()
					first = cmpOr(first, err)
					mu.Unlock()
					continue
				}
				p := e.info.Path
				e.info = infoOf(p, oi, e.marker)
			}
		})
	}
	for _, e := range ents {
		if !e.headDone {
			next <- e
		}
	}
	close(next)
	wg.Wait()
	return first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// visit hands the entries to fn, leaving out what lies below a file or a
// symlink (the store's namespace never passes through one) and applying
// SkipDir and SkipAll.
func visit(ents []*listed, fn func(store.Info) error) error {
	skip := "" // a folder whose subtree is skipped, with a trailing '/'
	for _, e := range ents {
		p := e.info.Path
		if skip != "" && strings.HasPrefix(p, skip) {
			continue
		}
		skip = ""
		if e.lost {
			continue
		}
		if e.info.Kind != store.KindDir {
			skip = p + "/" // nothing is below a file or a symlink
		}
		err := fn(e.info)
		switch {
		case errors.Is(err, fs.SkipAll):
			return nil
		case errors.Is(err, fs.SkipDir) && e.info.Kind == store.KindDir:
			skip = p + "/"
		case errors.Is(err, fs.SkipDir):
			// The rest of this entry's folder.
			skip = path.Dir(p) + "/"
			if path.Dir(p) == "." {
				return nil
			}
		case err != nil:
			return err
		}
	}
	return nil
}
