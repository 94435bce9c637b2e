package s3

import (
	"io/fs"
	"net/url"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"

	"roamfs/store"
)

// User metadata keys (sent as x-amz-meta-roamfs-...).
const (
	metaKind    = "roamfs-kind"
	metaMode    = "roamfs-mode"
	metaMTime   = "roamfs-mtime"
	metaSymlink = "roamfs-symlink"
)

const (
	kindFile    = "file"
	kindDir     = "dir"
	kindSymlink = "symlink"
)

// userMeta is the metadata an entry of kind is written with.
func userMeta(kind string, mode fs.FileMode, mtime time.Time, target string) map[string]string {
	m := map[string]string{
		metaKind:  kind,
		metaMode:  strconv.FormatUint(uint64(mode&store.ModeBits), 10),
		metaMTime: strconv.FormatInt(mtime.UnixNano(), 10),
	}
	if kind == kindSymlink {
		m[metaSymlink] = url.PathEscape(target)
	}
	return m
}

// infoOf describes the object oi as entry rel. An object another tool wrote
// (no roamfs metadata) is a file, or a folder for a key ending in '/', with
// the server's modification time.
func infoOf(rel string, oi minio.ObjectInfo, marker bool) store.Info {
	h := oi.Metadata
	get := func(k string) string { return h.Get("x-amz-meta-" + k) }
	info := store.Info{Path: rel, MTime: oi.LastModified, Allocated: -1}
	if ns, err := strconv.ParseInt(get(metaMTime), 10, 64); err == nil {
		info.MTime = time.Unix(0, ns)
	}
	mode, err := strconv.ParseUint(get(metaMode), 10, 32)
	switch kind := get(metaKind); {
	case marker || kind == kindDir:
		info.Kind, info.Mode = store.KindDir, 0o755
	case kind == kindSymlink:
		target, _ := url.PathUnescape(get(metaSymlink))
		return store.Info{Path: rel, Kind: store.KindSymlink, Target: target, Size: int64(len(target)), MTime: info.MTime, Allocated: -1}
	default:
		info.Kind, info.Mode, info.Size = store.KindFile, 0o644, oi.Size
	}
	if err == nil {
		info.Mode = fs.FileMode(mode) & store.ModeBits
	}
	return info
}
