package syncer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The namespace a streamed logon keeps of the folders it left unmaterialized
// (lazy.go): the server entries below them, as the logon read them, so that
// materializing one folder later reads that folder's direct entries and
// nothing else, from the cache's state folder, without the server.
//
// One file, written once per logon (temporary name, fsync, rename) before
// the folders' marks: the entries grouped by their folder, then a table of
// the folders (server path, where its entries are, the totals below it),
// then where the table starts. The table is read into memory on first use:
// one row per folder, a tenth of the entries of a typical profile.

const nsMagic = "roamfs-namespace 1\n"

// nsEntry is one entry of a folder in the namespace.
type nsEntry struct {
	name string
	v    Version
	// Set while materializing, for the background fill: download the data
	// now, from server.
	inline bool
	server string
}

// nsDir is one folder's row of the table.
type nsDir struct {
	off, size int64 // its entries' bytes in the file
	n         int   // how many
	// below it, at any depth: files with data, their bytes, every entry
	files, bytes, entries int64
}

// nsBuilder collects a logon's server entries below the folders it leaves
// unmaterialized, while the server is listed (parents before children).
type nsBuilder struct {
	dirs  map[string]*nsGroup // every folder at or below a root, by server path
	roots []string            // the roots, by server path, in listing order
}

type nsGroup struct {
	buf                   []byte
	n                     int
	files, bytes, entries int64 // below it, once totalled
}

func newNSBuilder() *nsBuilder { return &nsBuilder{dirs: map[string]*nsGroup{}} }

// below reports whether the server entry p lies below a root.
func (b *nsBuilder) below(p string) bool {
	_, ok := b.dirs[parentOf(p)] // the profile's root is never one
	return ok
}

// root makes the server folder p a root.
func (b *nsBuilder) root(p string) {
	b.dirs[p] = &nsGroup{}
	b.roots = append(b.roots, p)
}

// add keeps the entry p (below a root) in its folder's group.
func (b *nsBuilder) add(p string, v Version) {
	g := b.dirs[parentOf(p)]
	g.buf = appendNSEntry(g.buf, p[strings.LastIndexByte(p, '/')+1:], v) // its name (p is clean)
	g.n++
	g.entries++
	if v.Kind == KindFile && v.Size > 0 {
		g.files++
		g.bytes += v.Size
	}
	if v.Kind == KindDir {
		b.dirs[p] = &nsGroup{}
	}
}

// totals adds every folder's totals into its parent's, so each holds what
// lies below it at any depth.
func (b *nsBuilder) totals() {
	ps := make([]string, 0, len(b.dirs))
	for p := range b.dirs {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	// A folder sorts before everything below it: backwards, children first.
	for i := len(ps) - 1; i >= 0; i-- {
		g := b.dirs[ps[i]]
		if pg, ok := b.dirs[parentOf(ps[i])]; ok {
			pg.files += g.files
			pg.bytes += g.bytes
			pg.entries += g.entries
		}
	}
}

// write stores the namespace durably at file (see the top of this file).
func (b *nsBuilder) write(file string) error { return writeDurably(file, b.encode()) }

// encode is the namespace's file.
func (b *nsBuilder) encode() []byte {
	ps := make([]string, 0, len(b.dirs))
	for p := range b.dirs {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	var out bytes.Buffer
	size := len(nsMagic)
	for _, g := range b.dirs {
		size += len(g.buf)
	}
	out.Grow(size + 64*len(ps)) // the entries, then the table: no copying as it grows
	out.WriteString(nsMagic)
	var table []byte
	table = binary.AppendUvarint(table, uint64(len(ps)))
	for _, p := range ps {
		g := b.dirs[p]
		off := int64(out.Len())
		out.Write(g.buf)
		table = appendNSString(table, p)
		for _, x := range []int64{off, int64(len(g.buf)), int64(g.n), g.files, g.bytes, g.entries} {
			table = binary.AppendVarint(table, x)
		}
	}
	at := int64(out.Len())
	out.Write(table)
	out.Write(binary.BigEndian.AppendUint64(nil, uint64(at)))
	return out.Bytes()
}

// writeDurably replaces file with data: a temporary name, fsync, rename,
// fsync of the folder.
func writeDurably(file string, data []byte) error {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(file)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), file)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", file, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func appendNSString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendNSEntry(b []byte, name string, v Version) []byte {
	b = appendNSString(b, name)
	b = append(b, byte(v.Kind))
	b = binary.AppendVarint(b, v.Size)
	b = binary.AppendVarint(b, v.MTime.Unix())
	b = binary.AppendUvarint(b, uint64(v.MTime.Nanosecond()))
	b = binary.AppendUvarint(b, uint64(v.Mode))
	return appendNSString(b, v.Target)
}

// namespace is a namespace file opened for reading.
type namespace struct {
	f    nsFile
	dirs map[string]nsDir
}

type nsFile interface {
	io.ReaderAt
	io.Closer
}

// nopCloser is a namespace held in memory.
type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

var errNamespace = errors.New("the kept namespace is damaged")

// openNamespace opens file and reads its table.
func openNamespace(file string) (*namespace, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("open the kept namespace: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open the kept namespace: %w", err)
	}
	deferred := make([]byte, len(nsDeferredMagic))
	if _, err := f.ReadAt(deferred, 0); err == nil && string(deferred) == nsDeferredMagic {
		f.Close()
		return nil, errNSDeferred
	}
	ns, err := readNS(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read the kept namespace %s: %w", file, err)
	}
	return ns, nil
}

// readNS reads the table of the namespace f of size bytes.
func readNS(f nsFile, size int64) (*namespace, error) {
	magic := make([]byte, len(nsMagic))
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != nsMagic || size < int64(len(nsMagic))+8 {
		return nil, errNamespace
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return nil, err
	}
	at := int64(binary.BigEndian.Uint64(tail[:]))
	if at < int64(len(nsMagic)) || at > size-8 {
		return nil, errNamespace
	}
	table := make([]byte, size-8-at)
	if _, err := f.ReadAt(table, at); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	r := nsReader{b: table}
	n := r.uvarint()
	ns := &namespace{f: f, dirs: make(map[string]nsDir, min(n, uint64(len(table))))}
	for range n {
		p := r.str()
		var x [6]int64
		for i := range x {
			x[i] = r.varint()
		}
		if r.bad || x[0] < int64(len(nsMagic)) || x[1] < 0 || x[0]+x[1] > at {
			return nil, errNamespace
		}
		ns.dirs[p] = nsDir{off: x[0], size: x[1], n: int(x[2]), files: x[3], bytes: x[4], entries: x[5]}
	}
	if r.bad {
		return nil, errNamespace
	}
	return ns, nil
}

func (ns *namespace) close() error { return ns.f.Close() }

// dir returns the row of the server folder p; ok is false for a folder the
// namespace does not hold.
func (ns *namespace) dir(p string) (nsDir, bool) {
	d, ok := ns.dirs[p]
	return d, ok
}

// list reads the direct entries of the server folder p (none if the
// namespace does not hold it).
func (ns *namespace) list(p string) ([]nsEntry, error) {
	d, ok := ns.dirs[p]
	if !ok {
		return nil, nil
	}
	buf := make([]byte, d.size)
	if _, err := ns.f.ReadAt(buf, d.off); err != nil {
		return nil, fmt.Errorf("read the kept namespace of %s: %w", p, err)
	}
	r := nsReader{b: buf}
	out := make([]nsEntry, 0, d.n)
	for range d.n {
		var e nsEntry
		e.name = r.str()
		e.v.Kind = Kind(r.byte())
		e.v.Size = r.varint()
		sec := r.varint()
		nsec := r.uvarint()
		e.v.MTime = time.Unix(sec, int64(nsec))
		e.v.Mode = uint32(r.uvarint())
		e.v.Target = r.str()
		if r.bad || e.name == "" || e.v.Kind == KindNone || e.v.Kind > KindSymlink {
			return nil, fmt.Errorf("the kept namespace of %s: %w", p, errNamespace)
		}
		out = append(out, e)
	}
	return out, nil
}

// nsReader decodes the namespace's varints and strings; the first problem
// sets bad and every later read returns zero.
type nsReader struct {
	b   []byte
	bad bool
}

func (r *nsReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *nsReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *nsReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *nsReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
