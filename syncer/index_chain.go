package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"roamfs/store"
)

// The index as a chain: a full listing (the base, IndexName) and the deltas
// written on top of it since, oldest first. A write-back round changes a few
// paths of a large profile; rewriting the whole listing for them made a
// round's cost follow the profile (issue 14 item 8). A round writes a delta
// instead: the server's state of the paths it changed (a tombstone, KindNone,
// for those now gone) and the whole top level as it was then (entries of the
// top level the delta does not list are gone, as the full writer's
// refreshTop has it). The base is rewritten (the chain compacted) when the
// deltas grow past a bound.
//
// Compatibility: an older roamfs knows only the metadata's "index" key and
// would trust a stale base if it named one with deltas on top. So a chain
// with deltas is named under "index_chain" and "index" is left out: an older
// roamfs walks (correct, slower) and, when it logs off, writes a full index
// under "index" and drops "index_chain" (it does not know the key). A chain
// of the base alone is named under "index", as before. The deltas live in a
// folder whose name starts with store.TempPrefix, which every roamfs, older
// ones too, leaves out of the profile; CleanTemp removes temporary files only,
// never a folder or the files in it that lack the prefix.

// IndexDeltaDir is the folder of the index's deltas at the server copy's root.
const IndexDeltaDir = store.TempPrefix + "index-deltas"

const (
	indexDeltaMagic = "roamfs-index-delta 1\n"
	// maxIndexDeltas bounds the deltas on one base: a logon reads them all,
	// one request each.
	maxIndexDeltas = 32
	// minDeltaEntries is the entries the deltas may hold together before the
	// base is rewritten, at least; an eighth of the base's when that is more.
	minDeltaEntries = 1000
)

// IndexChain names the base and the deltas of the profile index, in order.
type IndexChain struct {
	Base   IndexRef   `json:"base"`
	Deltas []IndexRef `json:"deltas"`
}

// indexChain is the chain m names under either key; nil when none.
func (m ServerMeta) indexChain() *IndexChain {
	switch {
	case m.IndexChain != nil:
		return m.IndexChain
	case m.Index != nil:
		return &IndexChain{Base: *m.Index}
	}
	return nil
}

// setIndexChain names c in m: the base alone under "index", a chain with
// deltas under "index_chain" only.
func (m *ServerMeta) setIndexChain(c *IndexChain) {
	m.Index, m.IndexChain = nil, nil
	switch {
	case c == nil:
	case len(c.Deltas) == 0:
		b := c.Base
		m.Index = &b
	default:
		m.IndexChain = c
	}
}

// tail is the last file written: the newest delta, or the base.
func (c *IndexChain) tail() IndexRef {
	if len(c.Deltas) > 0 {
		return c.Deltas[len(c.Deltas)-1]
	}
	return c.Base
}

// with is c with one more delta.
func (c *IndexChain) with(d IndexRef) *IndexChain {
	return &IndexChain{Base: c.Base, Deltas: append(slices.Clip(c.Deltas), d)}
}

func sameRef(a, b IndexRef) bool { return a.Generation == b.Generation && a.SHA256 == b.SHA256 }

// sameChain reports whether a and b name the same files.
func sameChain(a, b *IndexChain) bool {
	return a != nil && b != nil && len(a.Deltas) == len(b.Deltas) && extendsChain(a, b)
}

// extendsChain reports whether c is prefix with zero or more deltas added.
func extendsChain(c, prefix *IndexChain) bool {
	if c == nil || prefix == nil || !sameRef(c.Base, prefix.Base) || len(c.Deltas) < len(prefix.Deltas) {
		return false
	}
	for k, d := range prefix.Deltas {
		if !sameRef(c.Deltas[k], d) {
			return false
		}
	}
	return true
}

// deltaEntries is the entries the chain's deltas hold together.
func (c *IndexChain) deltaEntries() int {
	n := 0
	for _, d := range c.Deltas {
		n += d.Entries
	}
	return n
}

// wantsCompaction reports whether a delta of about n entries would take c
// past its bounds: then the base is rewritten instead.
func (c *IndexChain) wantsCompaction(n int) bool {
	return len(c.Deltas)+1 > maxIndexDeltas || c.deltaEntries()+n > max(minDeltaEntries, c.Base.Entries/8)
}

// deltaPath is the file of the delta of generation gen.
func deltaPath(gen string) string { return IndexDeltaDir + "/d-" + gen }

// encodeDelta writes a delta on chain c: its base's and its predecessor's
// generations bind it to its place in the chain.
func encodeDelta(c *IndexChain, gen string, list []store.Info) ([]byte, IndexRef) {
	return encodeEntries(indexDeltaMagic, []string{c.Base.Generation, c.tail().Generation, gen}, list, false)
}

// decodeDelta checks and decodes the k-th delta of c.
func decodeDelta(data []byte, c *IndexChain, k int) ([]store.Info, error) {
	header, list, err := decodeEntries(data, c.Deltas[k], indexDeltaMagic, 3, true)
	if err != nil {
		return nil, fmt.Errorf("delta %d of %d: %w", k+1, len(c.Deltas), err)
	}
	prev := c.Base.Generation
	if k > 0 {
		prev = c.Deltas[k-1].Generation
	}
	if header[0] != c.Base.Generation || header[1] != prev {
		return nil, distrust("delta %d of %d was written on another chain", k+1, len(c.Deltas))
	}
	return list, nil
}

// chainData is the bytes of a chain's files as read, kept for the
// verification that follows a logon.
type chainData struct {
	base   []byte
	deltas [][]byte
}

// readChain reads and checks every file of c and returns the listing they
// make together. Any doubt is an error wrapping errDistrust. It holds the
// whole listing decoded: only a compaction wants that (openChain streams it).
func (s *Syncer) readChain(ctx context.Context, c *IndexChain) (*serverIndex, *chainData, error) {
	cr, cd, err := s.openChain(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	ix, err := cr.decode()
	return ix, cd, err
}

// openChain reads every file of c and checks it (openChainData).
func (s *Syncer) openChain(ctx context.Context, c *IndexChain) (*chainReader, *chainData, error) {
	cd := &chainData{}
	var err error
	if cd.base, err = s.readIndexFile(ctx, IndexName, c.Base); err != nil {
		return nil, nil, err
	}
	for _, d := range c.Deltas {
		data, err := s.readIndexFile(ctx, deltaPath(d.Generation), d)
		if err != nil {
			return nil, nil, err
		}
		cd.deltas = append(cd.deltas, data)
	}
	cr, err := openChainData(c, cd)
	return cr, cd, err
}

// decodeChain decodes the files of c read into cd and merges them.
func decodeChain(c *IndexChain, cd *chainData) (*serverIndex, error) {
	cr, err := openChainData(c, cd)
	if err != nil {
		return nil, err
	}
	return cr.decode()
}

// chainReader is a chain whose files were read and checked, listed without
// holding the listing: the base is decoded from its compressed bytes again
// at each pass (a 100,000-entry base decoded takes about 30 MB, a logon's
// view of the profile as much again), the deltas, bounded, are held decoded.
type chainReader struct {
	gen  string
	base []byte
	ref  IndexRef
	m    *chainMerge  // nil: the base alone
	top  []store.Info // the listing's top level, in path order
}

// openChainData checks every file of c (the base in one pass that keeps
// only its top level and what the deltas need of it) and prepares the merge.
// Any doubt is an error wrapping errDistrust.
func openChainData(c *IndexChain, cd *chainData) (*chainReader, error) {
	if len(cd.deltas) != len(c.Deltas) {
		return nil, distrust("the chain names %d deltas, %d were read", len(c.Deltas), len(cd.deltas))
	}
	deltas := make([][]store.Info, len(cd.deltas))
	inDelta := map[string]bool{}
	for k, data := range cd.deltas {
		var err error
		if deltas[k], err = decodeDelta(data, c, k); err != nil {
			return nil, err
		}
		for _, i := range deltas[k] {
			inDelta[i.Path] = true
		}
	}
	var top []store.Info
	kinds := map[string]store.Kind{} // of the base's entries a delta names
	_, err := scanEntries(cd.base, c.Base, indexMagic, 1, false, func(i store.Info) {
		if parentOf(i.Path) == "" {
			top = append(top, i)
		}
		if inDelta[i.Path] {
			kinds[i.Path] = i.Kind
		}
	})
	if err != nil {
		return nil, err
	}
	cr := &chainReader{gen: c.tail().Generation, base: cd.base, ref: c.Base, top: top}
	if len(deltas) > 0 {
		cr.m = newChainMerge(top, func(p string) bool {
			if k, ok := kinds[p]; ok {
				return k == store.KindDir
			}
			// A top-level entry no delta names.
			at, ok := slices.BinarySearchFunc(top, p, func(i store.Info, p string) int { return strings.Compare(i.Path, p) })
			return ok && top[at].Kind == store.KindDir
		}, deltas)
		cr.top = cr.m.top
	}
	return cr, nil
}

// each calls fn for every entry of the listing in path order, until fn
// returns false. The bytes were checked by openChainData: an error here
// means they changed in memory.
func (cr *chainReader) each(fn func(store.Info) bool) error {
	stopped := false
	scan := func(yield func(store.Info) bool) error {
		_, err := scanEntries(cr.base, cr.ref, indexMagic, 1, false, func(i store.Info) {
			if !stopped && !yield(i) {
				stopped = true
			}
		})
		return err
	}
	if cr.m == nil {
		return scan(fn)
	}
	return cr.m.run(scan, fn)
}

// decode holds the whole listing decoded.
func (cr *chainReader) decode() (*serverIndex, error) {
	ix := &serverIndex{gen: cr.gen, list: make([]store.Info, 0, cr.ref.Entries)}
	err := cr.each(func(i store.Info) bool { ix.list = append(ix.list, i); return true })
	if err != nil {
		return nil, err
	}
	return ix, nil
}

// hasTop reports whether the listing's top level has p.
func (cr *chainReader) hasTop(p string) bool {
	_, ok := slices.BinarySearchFunc(cr.top, p, func(i store.Info, p string) int { return strings.Compare(i.Path, p) })
	return ok
}

// readDeltas reads and checks c's deltas from the k-th on.
func (s *Syncer) readDeltas(ctx context.Context, c *IndexChain, from int) ([][]store.Info, error) {
	var out [][]store.Info
	for k := from; k < len(c.Deltas); k++ {
		data, err := s.readIndexFile(ctx, deltaPath(c.Deltas[k].Generation), c.Deltas[k])
		if err != nil {
			return nil, err
		}
		list, err := decodeDelta(data, c, k)
		if err != nil {
			return nil, err
		}
		out = append(out, list)
	}
	return out, nil
}

// readIndexFile reads rel, which ref names, within the size limit.
func (s *Syncer) readIndexFile(ctx context.Context, rel string, ref IndexRef) ([]byte, error) {
	if ref.Bytes < 0 || ref.Bytes > maxIndexBytes {
		return nil, distrust("%s: %d bytes is beyond the limit", rel, ref.Bytes)
	}
	r, _, err := s.cfg.Store.Open(ctx, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, distrust("the metadata names %s, but there is none", rel)
	}
	if err != nil {
		return nil, fmt.Errorf("read profile index %s: %w", rel, err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, ref.Bytes+1))
	if err != nil {
		return nil, fmt.Errorf("read profile index %s: %w", rel, err)
	}
	return data, nil
}

// clearedAt is, for each folder whose subtree a delta cleared (a tombstone,
// an entry that is no folder, a top-level entry the delta's top level lacks),
// the last delta that did.
type clearedAt map[string]int

// under reports whether an entry at p written by delta k (-1: the base) lies
// under a folder a later delta cleared.
func (c clearedAt) under(p string, k int) bool {
	if len(c) == 0 {
		return false
	}
	for d := parentOf(p); d != ""; d = parentOf(d) {
		if at, ok := c[d]; ok && at > k {
			return true
		}
	}
	return false
}

// applyDeltas is base (sorted, a tree) with deltas applied in order, sorted,
// without what lies under no listed folder: the listing the full writer
// would have written after the same changes.
func applyDeltas(base []store.Info, deltas [][]store.Info) []store.Info {
	if len(deltas) == 0 {
		return base
	}
	var top []store.Info
	for _, i := range base {
		if parentOf(i.Path) == "" {
			top = append(top, i)
		}
	}
	m := newChainMerge(top, func(p string) bool {
		at, ok := slices.BinarySearchFunc(base, p, func(i store.Info, p string) int { return strings.Compare(i.Path, p) })
		return ok && base[at].Kind == store.KindDir
	}, deltas)
	out := make([]store.Info, 0, len(base)+len(m.paths))
	m.run(func(yield func(store.Info) bool) error {
		for _, i := range base {
			if !yield(i) {
				break
			}
		}
		return nil
	}, func(i store.Info) bool { out = append(out, i); return true })
	return out
}

// chainMerge is what the deltas of a chain change in its base: every path
// they name with the last record of it, and the folders whose subtrees they
// cleared.
type chainMerge struct {
	over    map[string]deltaRec
	cleared clearedAt
	paths   []string     // of over, sorted
	top     []store.Info // the merged listing's top level, sorted
}

type deltaRec struct {
	i store.Info
	k int // the delta that wrote it
}

// newChainMerge prepares the merge of deltas (in order) on a base whose top
// level is baseTop; wasDir says whether the base holds a path as a folder
// (asked only for the paths the deltas name and the base's top level).
func newChainMerge(baseTop []store.Info, wasDir func(string) bool, deltas [][]store.Info) *chainMerge {
	m := &chainMerge{over: map[string]deltaRec{}, cleared: clearedAt{}}
	top := map[string]bool{}
	for _, i := range baseTop {
		top[i.Path] = true
	}
	// isDir: only a folder's subtree needs clearing (most records are
	// files, and checking each base entry against them costs).
	isDir := func(p string) bool {
		if r, ok := m.over[p]; ok {
			return r.i.Kind == store.KindDir
		}
		return wasDir(p)
	}
	for k, d := range deltas {
		listed := map[string]bool{}
		for _, i := range d {
			if i.Kind != store.KindDir && isDir(i.Path) {
				m.cleared[i.Path] = k
			}
			m.over[i.Path] = deltaRec{i, k}
			if parentOf(i.Path) == "" && i.Kind != store.KindNone {
				listed[i.Path] = true
			}
		}
		for p := range top {
			if !listed[p] {
				if isDir(p) {
					m.cleared[p] = k
				}
				m.over[p] = deltaRec{store.Info{Path: p}, k}
			}
		}
		top = listed
	}
	m.paths = make([]string, 0, len(m.over))
	for p := range m.over {
		m.paths = append(m.paths, p)
	}
	slices.Sort(m.paths)
	// The top level is the last delta's, which lists it whole.
	for _, p := range m.paths {
		if top[p] {
			m.top = append(m.top, m.over[p].i)
		}
	}
	return m
}

// run merges the base, as scan yields it in path order, with the deltas and
// calls fn for each entry of the result in path order until fn returns false.
func (m *chainMerge) run(scan func(yield func(store.Info) bool) error, fn func(store.Info) bool) error {
	dirs := map[string]bool{"": true}
	stopped := false
	keep := func(i store.Info, k int) {
		if stopped || i.Kind == store.KindNone || !dirs[parentOf(i.Path)] || m.cleared.under(i.Path, k) {
			return
		}
		if i.Kind == store.KindDir {
			dirs[i.Path] = true
		}
		if !fn(i) {
			stopped = true
		}
	}
	o := 0
	err := scan(func(b store.Info) bool {
		for o < len(m.paths) && m.paths[o] < b.Path {
			r := m.over[m.paths[o]]
			keep(r.i, r.k)
			o++
		}
		if o < len(m.paths) && m.paths[o] == b.Path {
			r := m.over[m.paths[o]]
			keep(r.i, r.k)
			o++
		} else {
			keep(b, -1)
		}
		return !stopped
	})
	if err != nil {
		return err
	}
	for ; o < len(m.paths) && !stopped; o++ {
		r := m.over[m.paths[o]]
		keep(r.i, r.k)
	}
	return nil
}

// topOf is the top level of a delta (tombstones left out), as an index whose
// top level the live listing can be compared with.
func topOf(list []store.Info) *serverIndex {
	ix := &serverIndex{}
	for _, i := range list {
		if i.Kind != store.KindNone && !strings.Contains(i.Path, "/") {
			ix.list = append(ix.list, i)
		}
	}
	return ix
}
