package syncer

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/internal/entry"
	"roamfs/internal/winname"
	"roamfs/journal"
	"roamfs/store"
)

// The registry hive travels on its own stream (Windows 7's background upload
// of NTUSER.DAT while the user is logged on): never merged, whole files only,
// written to the server as NTUSER.DAT.{GUID}.tmp, flushed and renamed over
// NTUSER.DAT. The newer hive wins, as on Windows.

// HiveSource takes consistent copies of a hive that programs may be writing
// through the mount (overlay.Profile.SnapshotHive).
type HiveSource interface {
	SnapshotHive(rel, dst string, wait time.Duration) (int64, time.Time, error)
}

func hiveMetaKey(k string) string { return "hive-seq/" + k }

// hiveDirty reports whether the journal holds a change to hive rel newer than
// its last upload, and the journal position a snapshot taken now covers.
func (s *Syncer) hiveDirty(rel string) (bool, uint64, error) {
	k := s.key(rel)
	through := s.cfg.Journal.LastSeq()
	var done uint64
	if b, ok, err := s.cfg.Journal.Meta(hiveMetaKey(k)); err != nil {
		return false, 0, err
	} else if ok && len(b) == 8 {
		done = binary.BigEndian.Uint64(b)
	}
	dirty := false
	err := s.cfg.Journal.Scan(false, func(r journal.Record) error {
		if r.Seq > done && (s.key(r.Path) == k || s.key(r.OldPath) == k) {
			dirty = true
		}
		return nil
	})
	return dirty, through, err
}

// UploadHives runs one background upload of every hive file that changed
// since its last upload. spool is a directory outside the profile for the
// snapshots.
func (s *Syncer) UploadHives(ctx context.Context, src HiveSource, spool string) (HiveResult, error) {
	res := HiveResult{Time: time.Now()}
	if ro, why := s.ReadOnly(ctx); ro {
		s.log.Info("the hive is never uploaded: "+why, zap.Int("event_id", event.HiveMandatory))
		res.Skipped = append(res.Skipped, "all: "+why)
		return res, nil
	}
	for _, h := range s.cfg.Policy.HiveFiles {
		rel := s.localHiveName(h)
		dirty, through, err := s.hiveDirty(rel)
		if err != nil {
			return res, err
		}
		if !dirty {
			res.Skipped = append(res.Skipped, rel+": unchanged since its last upload")
			continue
		}
		log := s.log.With(zap.String("hive", rel))
		log.Info("background upload of the hive started", zap.Int("event_id", event.HiveUploadStarted))
		up, err := s.backgroundHive(ctx, src, spool, rel, through)
		if err != nil {
			log.Error("background upload of the hive failed; the next trigger or logoff tries again",
				zap.Int("event_id", event.HiveUploadFailed), zap.Error(err))
			return res, fmt.Errorf("upload %s: %w", rel, err)
		}
		log.Info("background upload of the hive succeeded", zap.Int("event_id", event.HiveUploadSucceeded), zap.Bool("uploaded", up))
		if up {
			res.Uploaded = append(res.Uploaded, rel)
		} else {
			res.Skipped = append(res.Skipped, rel+": the server's hive is newer or the same")
		}
	}
	return res, nil
}

func (s *Syncer) backgroundHive(ctx context.Context, src HiveSource, spool, rel string, through uint64) (bool, error) {
	snap := filepath.Join(spool, "hive-snapshot-"+strings.ToLower(path.Base(rel)))
	defer os.Remove(snap)
	if _, _, err := src.SnapshotHive(rel, snap, 30*time.Second); err != nil {
		return false, err
	}
	fi, err := os.Lstat(snap)
	if err != nil {
		return false, err
	}
	local := Version{Kind: KindFile, Size: fi.Size(), MTime: fi.ModTime(), Mode: entry.ToPOSIX(fi.Mode())}
	st, err := s.hiveStep(ctx, rel)
	if err != nil {
		return false, err
	}
	st.Local = local
	at := s.atServer(st)
	st.Decision = DecideHive(at.Base, at.Server, at.Local)
	if st.Action == ActUpload {
		f, err := os.Open(snap)
		if err != nil {
			return false, err
		}
		defer f.Close()
		if err := s.putHive(ctx, st.ServerPath, f, local); err != nil {
			return false, err
		}
		if err := s.cfg.Journal.SetBases(map[string]journal.Base{s.key(rel): local.base()}, nil); err != nil {
			return false, err
		}
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], through)
	return st.Action == ActUpload, s.cfg.Journal.SetMeta(hiveMetaKey(s.key(rel)), b[:])
}

// hiveStep reads the base and the server's version of a hive.
func (s *Syncer) hiveStep(ctx context.Context, rel string) (Step, error) {
	st := Step{Path: rel, Intent: IntentWrite}
	sp, _, err := s.serverPath(ctx, rel)
	if err != nil {
		return st, err
	}
	st.ServerPath = sp
	b, ok, err := s.cfg.Journal.Base(s.key(rel))
	if err != nil {
		return st, err
	}
	st.Base = fromBase(b, ok)
	st.Server, err = s.serverStat(ctx, sp)
	return st, err
}

// putHive is PutHive on this syncer's store, logging the cleanup.
func (s *Syncer) putHive(ctx context.Context, serverRel string, r fs.File, v Version) error {
	n, err := PutHive(ctx, s.cfg.Store, serverRel, r, v)
	if n > 0 {
		s.log.Info("removed hive temporaries left by an interrupted upload", zap.Int("count", n))
	}
	return err
}

// PutHive writes a hive to the server copy as Windows does: it removes the
// NAME.{GUID}.tmp files an interrupted upload left beside serverRel (their
// count is returned), writes the hive as a new NAME.{GUID}.tmp with v's mode
// and mtime, and renames it over serverRel. The Windows service uploads the
// hive of the NTFS profile folder with it at logoff.
func PutHive(ctx context.Context, st store.Store, serverRel string, r io.Reader, v Version) (int, error) {
	n, err := cleanHiveTemps(ctx, st, serverRel)
	if err != nil {
		return n, err
	}
	tmp := fmt.Sprintf("%s.{%s}.tmp", path.Base(serverRel), strings.ToUpper(uuid.NewString()))
	return n, st.PutVia(ctx, serverRel, tmp, r, entry.FromPOSIX(v.Mode), v.MTime)
}

var hiveTempRe = regexp.MustCompile(`(?i)^(.+)\.\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}\.tmp$`)

func cleanHiveTemps(ctx context.Context, st store.Store, serverRel string) (int, error) {
	dir := path.Dir(serverRel)
	if dir == "." {
		dir = ""
	}
	var stale []string
	// The hive's folder only, by name (on S3 a Walk of the root would list
	// and describe every object of the profile).
	ents, err := store.ListDir(ctx, st, dir, false)
	if err != nil {
		return 0, fmt.Errorf("list hive temporaries: %w", err)
	}
	for _, i := range ents {
		if i.Kind == store.KindDir {
			continue
		}
		if m := hiveTempRe.FindStringSubmatch(path.Base(i.Path)); m != nil && winname.Equal(m[1], path.Base(serverRel)) {
			stale = append(stale, i.Path)
		}
	}
	for _, p := range stale {
		if err := st.Remove(ctx, p); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}

// localHiveName is the cache's spelling of hive file h at the profile root.
func (s *Syncer) localHiveName(h string) string {
	entries, err := os.ReadDir(s.cfg.ProfileDir)
	if err == nil {
		for _, e := range entries {
			if winname.Equal(e.Name(), h) {
				return e.Name()
			}
		}
	}
	return h
}

// uploadHive is upload for the hive at logoff (the mount is gone, so the cache
// file is quiet): the hive protocol's temporary name, and no merging.
func (s *Syncer) uploadHive(ctx context.Context, src, dst string, _ Version) (Version, error) {
	f, err := s.local.root.OpenFile(src, os.O_RDONLY|oNofollow, 0)
	if err != nil {
		return Version{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Version{}, err
	}
	v := Version{Kind: KindFile, Size: fi.Size(), MTime: fi.ModTime(), Mode: entry.ToPOSIX(fi.Mode())}
	if err := s.putHive(ctx, dst, f, v); err != nil {
		return v, fmt.Errorf("upload hive %s: %w", dst, err)
	}
	return v, nil
}
