package syncer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"roamfs/internal/entry"
	"roamfs/store"
)

// The profile index: a listing of the whole server copy that phase 2 of every
// logoff writes next to the server metadata, so that a logon learns the
// namespace with one read instead of a walk whose cost grows with the profile.
//
// The index is an optimisation, never the truth: a logon trusts it only when
// the metadata written after it names it (generation, entry count, length and
// SHA-256 of its bytes), every entry is a clean profile-relative path listed
// once, in order, under a listed folder, the count is sane, and the top level
// of the server still looks as the index says. Anything else is a walk, with
// event IndexDistrusted. See index_read.go for what a logon does with it,
// index_write.go for how a logoff keeps it, index_delta.go for the deltas a
// write-back adds to it, and index_verify.go for how changes made behind
// roamfs' back are found.

// IndexName is the index's file at the root of the server copy.
const IndexName = ".roamfs-index"

const (
	indexMagic = "roamfs-index 1\n"
	// maxIndexEntries bounds what a reader accepts: far beyond any real
	// profile, small enough that a hostile count cannot exhaust memory.
	maxIndexEntries = 2_000_000
	// maxIndexBytes bounds the compressed file and maxIndexRaw what it may
	// expand to (gzip expands repetitive input a thousandfold).
	maxIndexBytes = 256 << 20
	maxIndexRaw   = 1 << 30
	maxIndexPath  = 32 << 10
)

// IndexRef is what the server metadata records of the index written just
// before it: a reader trusts an index only if it matches.
type IndexRef struct {
	Generation string `json:"generation"` // random, new at every write
	Entries    int    `json:"entries"`
	Bytes      int64  `json:"bytes"`
	SHA256     string `json:"sha256"` // of the file's bytes as stored
	// Walked says the index was built from a walk of the server (the first
	// logoff after an upgrade, a race with another logoff, drift found by a
	// verification) rather than from the previous index and a logoff's
	// changes; for the log and the tests.
	Walked bool `json:"walked,omitempty"`
	// Top is what lies below each top-level folder of a base (a delta has
	// none): what a streamed logon that defers reading the base
	// (lazy_defer.go) reports as left to fill. Absent in an index an older
	// roamfs wrote.
	Top []IndexTop `json:"top,omitempty"`
}

// IndexTop is what lies below one top-level folder of an index, at any
// depth: files with data, their bytes, every entry (as the namespace of a
// streamed logon counts them).
type IndexTop struct {
	Path    string `json:"path"`
	Files   int64  `json:"files"`
	Bytes   int64  `json:"bytes"`
	Entries int64  `json:"entries"`
}

// topTotals counts list (in path order) by top-level folder.
func topTotals(list []store.Info) []IndexTop {
	var out []IndexTop
	at := map[string]int{} // "Docs-x" sorts between "Docs" and "Docs/a"
	for _, i := range list {
		top, _, below := strings.Cut(i.Path, "/")
		if !below {
			if i.Kind == store.KindDir {
				at[top] = len(out)
				out = append(out, IndexTop{Path: top})
			}
			continue
		}
		k, ok := at[top]
		if !ok {
			continue // under no listed folder: a reader refuses the index
		}
		t := &out[k]
		t.Entries++
		if i.Kind == store.KindFile && i.Size > 0 {
			t.Files++
			t.Bytes += i.Size
		}
	}
	return out
}

// serverIndex is a decoded index: the server's entries by exact spelling.
type serverIndex struct {
	gen  string
	list []store.Info // in path order
}

func (ix *serverIndex) toMap() map[string]store.Info {
	m := make(map[string]store.Info, len(ix.list))
	for _, i := range ix.list {
		m[i.Path] = i
	}
	return m
}

func newGeneration() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// isOwnServerFile reports roamfs' own files in the server copy: the
// metadata and index in its root, the index's deltas folder and what is in it.
func isOwnServerFile(p string) bool {
	return p == ServerMetaName || p == IndexName || p == IndexDeltaDir || strings.HasPrefix(p, IndexDeltaDir+"/")
}

// encodeIndex writes entries (any order) as a gzip'd binary listing sorted by
// path and returns the bytes and their reference.
func encodeIndex(gen string, entries map[string]store.Info, walked bool) ([]byte, IndexRef) {
	return encodeList(gen, indexList(entries), walked)
}

// indexList sorts entries by path, leaving out whatever lies under no listed
// folder (the subtree of a folder removed or replaced by a file), which a
// reader would refuse.
func indexList(entries map[string]store.Info) []store.Info {
	paths := make([]string, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	dirs := map[string]bool{"": true}
	list := make([]store.Info, 0, len(paths))
	for _, p := range paths {
		if dirs[parentOf(p)] && badIndexPath(p) == "" {
			i := entries[p]
			i.Path = p
			list = append(list, i)
			if i.Kind == store.KindDir {
				dirs[p] = true
			}
		}
	}
	return list
}

// encodeList writes list as it is: the format, the generation, the count,
// then each entry (path, kind, size, mtime in ns, POSIX mode, allocated+1,
// symlink target) in varints.
func encodeList(gen string, list []store.Info, walked bool) ([]byte, IndexRef) {
	data, ref := encodeEntries(indexMagic, []string{gen}, list, walked)
	ref.Top = topTotals(list)
	return data, ref
}

// encodeEntries writes the format line magic, the header strings (the last
// is the file's generation), the count and the entries of list in order.
func encodeEntries(magic string, header []string, list []store.Info, walked bool) ([]byte, IndexRef) {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	w := bufio.NewWriterSize(zw, 64<<10)
	var tmp [binary.MaxVarintLen64]byte
	uv := func(x uint64) { w.Write(tmp[:binary.PutUvarint(tmp[:], x)]) }
	str := func(s string) { uv(uint64(len(s))); w.WriteString(s) }
	w.WriteString(magic)
	for _, h := range header {
		str(h)
	}
	uv(uint64(len(list)))
	for _, i := range list {
		str(i.Path)
		w.WriteByte(byte(i.Kind))
		uv(uint64(max(i.Size, 0)))
		w.Write(tmp[:binary.PutVarint(tmp[:], i.MTime.UnixNano())])
		uv(uint64(entry.ToPOSIX(i.Mode)))
		uv(uint64(max(i.Allocated+1, 0))) // 0 = unknown
		str(i.Target)
	}
	w.Flush()
	zw.Close()
	sum := sha256.Sum256(out.Bytes())
	return out.Bytes(), IndexRef{Generation: header[len(header)-1], Entries: len(list), Bytes: int64(out.Len()),
		SHA256: hex.EncodeToString(sum[:]), Walked: walked}
}

// errDistrust wraps every reason an index is not used.
var errDistrust = errors.New("profile index not trusted")

func distrust(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errDistrust, fmt.Sprintf(format, a...))
}

// decodeIndex checks data against ref and decodes it. Any doubt is an error
// wrapping errDistrust: the caller walks instead.
func decodeIndex(data []byte, ref IndexRef) (*serverIndex, error) {
	header, list, err := decodeEntries(data, ref, indexMagic, 1, false)
	if err != nil {
		return nil, err
	}
	return &serverIndex{gen: header[0], list: list}, nil
}

// decodeEntries checks data against ref and decodes a file of encodeEntries
// with nHeader header strings, the last of them ref's generation. Every
// entry must be a clean profile path, listed once and in order, of a known
// kind; in an index (tombstones false) each lies under a listed folder, in a
// delta a KindNone entry is a tombstone.
func decodeEntries(data []byte, ref IndexRef, magic string, nHeader int, tombstones bool) ([]string, []store.Info, error) {
	list := make([]store.Info, 0, min(max(ref.Entries, 0), 1<<16))
	header, err := scanEntries(data, ref, magic, nHeader, tombstones, func(i store.Info) { list = append(list, i) })
	if err != nil {
		return nil, nil, err
	}
	return header, list, nil
}

// scanEntries is decodeEntries calling fn for each entry as it is decoded,
// holding none of them: a logon streams a 100,000-entry base into its view
// rather than keeping a decoded copy beside it. fn sees the entries of a
// file that may still turn out damaged further on: a caller that must not
// act on those scans once to check, then again to act (chainReader).
func scanEntries(data []byte, ref IndexRef, magic string, nHeader int, tombstones bool, fn func(store.Info)) ([]string, error) {
	if int64(len(data)) != ref.Bytes {
		return nil, distrust("%d bytes, the metadata says %d", len(data), ref.Bytes)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != ref.SHA256 {
		return nil, distrust("checksum differs from the metadata's (written by another logoff since, or damaged)")
	}
	if ref.Entries < 0 || ref.Entries > maxIndexEntries {
		return nil, distrust("%d entries is beyond the limit of %d", ref.Entries, maxIndexEntries)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, distrust("not a gzip stream: %v", err)
	}
	r := &indexReader{r: bufio.NewReaderSize(io.LimitReader(zr, maxIndexRaw), 64<<10)}
	got := make([]byte, len(magic))
	if _, err := io.ReadFull(r.r, got); err != nil || string(got) != magic {
		return nil, distrust("unknown format")
	}
	header := make([]string, nHeader)
	for k := range header {
		header[k] = r.str(64)
	}
	n := r.uv()
	if r.err != nil {
		return nil, distrust("damaged header: %v", r.err)
	}
	if gen := header[nHeader-1]; gen != ref.Generation || n != uint64(ref.Entries) {
		return nil, distrust("generation %q with %d entries, the metadata says %q with %d", gen, n, ref.Generation, ref.Entries)
	}
	dirs := map[string]bool{"": true}
	minKind := store.KindFile
	if tombstones {
		minKind = store.KindNone
	}
	prev := ""
	for k := uint64(0); k < n; k++ {
		i := r.info()
		if r.err != nil {
			return nil, distrust("entry %d of %d: %v", k+1, n, r.err)
		}
		if why := badIndexPath(i.Path); why != "" {
			return nil, distrust("entry %q: %s", i.Path, why)
		}
		if k > 0 && i.Path <= prev {
			return nil, distrust("entry %q listed twice or out of order", i.Path)
		}
		if !tombstones && !dirs[parentOf(i.Path)] {
			return nil, distrust("entry %q lies under no listed folder", i.Path)
		}
		if i.Kind < minKind || i.Kind > store.KindOther {
			return nil, distrust("entry %q has unknown kind %d", i.Path, i.Kind)
		}
		if i.Kind == store.KindDir {
			dirs[i.Path] = true
		}
		prev = i.Path
		fn(i)
	}
	if _, err := r.r.ReadByte(); err != io.EOF {
		return nil, distrust("data after the last entry")
	}
	return header, nil
}

// badIndexPath says why p cannot name an entry of the profile, or "": the
// same rules as the store's paths, and never roamfs' own files.
func badIndexPath(p string) string {
	switch {
	case p == "":
		return "empty path"
	case len(p) > maxIndexPath:
		return "path too long"
	case strings.IndexByte(p, 0) >= 0:
		return "contains NUL"
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, "\\") || (len(p) > 1 && p[1] == ':'):
		return "absolute"
	case p == ".." || strings.HasPrefix(p, "../"):
		return "leaves the profile"
	case !isCleanRel(p):
		return "not clean"
	case isOwnServerFile(p):
		return "roamfs' own file"
	}
	return ""
}

// parentOf is the folder holding the clean profile-relative path p, "" for
// the profile's root. Called for every entry of a listing (a logon of 100,000
// files called path.Dir, which cleans again what is clean, 100,000s of times).
func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// isCleanRel reports whether p is a clean relative path ("a/b", never "",
// "/a", "a/", "a//b", "." or ".." components): what path.Clean leaves alone,
// checked without building the cleaned copy. Stricter than path.Clean(p) == p
// in one case: "." (the profile itself) is not an entry either.
func isCleanRel(p string) bool {
	if p == "" {
		return false
	}
	for p != "" {
		c, rest, more := strings.Cut(p, "/")
		if c == "" || c == "." || c == ".." || (more && rest == "") {
			return false
		}
		p = rest
	}
	return true
}

// indexReader decodes the entry encoding of encodeIndex; the first error
// sticks.
type indexReader struct {
	r   *bufio.Reader
	err error
}

func (r *indexReader) uv() uint64 {
	if r.err != nil {
		return 0
	}
	x, err := binary.ReadUvarint(r.r)
	r.err = noEOF(err)
	return x
}

func (r *indexReader) str(limit uint64) string {
	n := r.uv()
	if r.err != nil {
		return ""
	}
	if n > limit {
		r.err = fmt.Errorf("string of %d bytes", n)
		return ""
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r.r, b)
	r.err = noEOF(err)
	return string(b)
}

func (r *indexReader) info() store.Info {
	i := store.Info{Path: r.str(maxIndexPath)}
	if r.err != nil {
		return i
	}
	k, err := r.r.ReadByte()
	if err != nil {
		r.err = noEOF(err)
		return i
	}
	i.Kind = store.Kind(k)
	size := r.uv()
	var ns int64
	if r.err == nil {
		ns, r.err = binary.ReadVarint(r.r)
		r.err = noEOF(r.err)
	}
	mode := r.uv()
	alloc := r.uv()
	i.Target = r.str(maxIndexPath)
	if size > 1<<62 || mode > 0o7777 || alloc > 1<<62 {
		if r.err == nil {
			r.err = errors.New("size or mode out of range")
		}
	}
	i.Size, i.MTime, i.Mode, i.Allocated = int64(size), time.Unix(0, ns), entry.FromPOSIX(uint32(mode)), int64(alloc)-1
	return i
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
