package syncer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"syscall"

	"roamfs/internal/entry"
	"roamfs/store"
)

// upload makes the server's dst hold the cache's src and returns the version the
// server now has. server is what dst held when planned.
func (s *Syncer) upload(ctx context.Context, src, dst string, server Version) (Version, error) {
	v, err := s.local.stat(src)
	if err != nil {
		return v, fmt.Errorf("stat cache %s: %w", src, err)
	}
	if err := s.ensureParents(ctx, dst); err != nil {
		return v, err
	}
	if server.Present() && server.Kind != v.Kind && (server.Kind == KindDir || v.Kind == KindDir) {
		err := s.cfg.Store.Remove(ctx, dst)
		if isNotEmpty(err) {
			return v, fmt.Errorf("replace %s on server: %w", dst, errFolderInTheWay)
		}
		if err != nil {
			return v, fmt.Errorf("replace %s on server: %w", dst, err)
		}
	}
	switch v.Kind {
	case KindDir:
		err = s.cfg.Store.Mkdir(ctx, dst, entry.FromPOSIX(v.Mode))
	case KindSymlink:
		err = s.cfg.Store.Symlink(ctx, v.Target, dst)
	case KindFile:
		v, err = s.putFile(ctx, src, dst)
	default:
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("upload %s: %w", dst, err)
	}
	return v, nil
}

// putFile copies a cache file to the server. The version returned is the one
// read from the open descriptor, so the base matches the bytes sent.
func (s *Syncer) putFile(ctx context.Context, src, dst string) (Version, error) {
	guard, err := s.live.begin(src) // before the open: see liveRound.begin
	if err != nil {
		return Version{}, err
	}
	f, err := s.local.root.OpenFile(src, os.O_RDONLY|oNofollow, 0)
	if err != nil {
		return Version{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Version{}, err
	}
	v := fromInfo(fi, "")
	if v.Kind != KindFile {
		return v, fmt.Errorf("%s is no longer a regular file", src)
	}
	return v, s.putUnchanged(ctx, dst, guard(f), v.Size, entry.FromPOSIX(v.Mode), v.MTime)
}

// ensureParents creates missing parent directories on the server, with the
// cache's modes: another machine may have deleted a folder this one wrote into.
func (s *Syncer) ensureParents(ctx context.Context, rel string) error {
	dir := path.Dir(rel)
	if dir == "." {
		return nil
	}
	if sv, err := s.serverStat(ctx, dir); err != nil {
		return err
	} else if sv.Kind == KindDir {
		return nil
	}
	if err := s.ensureParents(ctx, dir); err != nil {
		return err
	}
	lv, _ := s.local.stat(dir)
	mode := lv.Mode
	if mode == 0 {
		mode = 0o700
	}
	if err := s.cfg.Store.Mkdir(ctx, dir, entry.FromPOSIX(mode)); err != nil {
		return fmt.Errorf("create folder %s on server: %w", dir, err)
	}
	return nil
}

var errFolderInTheWay = errors.New("a folder with files in it is in the way")

func isNotEmpty(err error) bool {
	return err != nil && (errors.Is(err, store.ErrNotEmpty) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST))
}
