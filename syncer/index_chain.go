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
// make together. Any doubt is an error wrapping errDistrust.
func (s *Syncer) readChain(ctx context.Context, c *IndexChain) (*serverIndex, *chainData, error) {
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
	ix, err := decodeChain(c, cd)
	return ix, cd, err
}

// decodeChain decodes the files of c read into cd and merges them.
func decodeChain(c *IndexChain, cd *chainData) (*serverIndex, error) {
	ix, err := decodeIndex(cd.base, c.Base)
	if err != nil {
		return nil, err
	}
	deltas := make([][]store.Info, len(cd.deltas))
	for k, data := range cd.deltas {
		if deltas[k], err = decodeDelta(data, c, k); err != nil {
			return nil, err
		}
	}
	return &serverIndex{gen: c.tail().Generation, list: applyDeltas(ix.list, deltas)}, nil
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
	type rec struct {
		i store.Info
		k int
	}
	over := map[string]rec{}
	cleared := clearedAt{}
	top := map[string]bool{}
	for _, i := range base {
		if parentOf(i.Path) == "" {
			top[i.Path] = true
		}
	}
	// wasDir: only a folder's subtree needs clearing (most records are
	// files, and checking each base entry against them costs).
	wasDir := func(p string) bool {
		if r, ok := over[p]; ok {
			return r.i.Kind == store.KindDir
		}
		at, ok := slices.BinarySearchFunc(base, p, func(i store.Info, p string) int { return strings.Compare(i.Path, p) })
		return ok && base[at].Kind == store.KindDir
	}
	for k, d := range deltas {
		listed := map[string]bool{}
		for _, i := range d {
			if i.Kind != store.KindDir && wasDir(i.Path) {
				cleared[i.Path] = k
			}
			over[i.Path] = rec{i, k}
			if parentOf(i.Path) == "" && i.Kind != store.KindNone {
				listed[i.Path] = true
			}
		}
		for p := range top {
			if !listed[p] {
				if wasDir(p) {
					cleared[p] = k
				}
				over[p] = rec{store.Info{Path: p}, k}
			}
		}
		top = listed
	}
	paths := make([]string, 0, len(over))
	for p := range over {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	out := make([]store.Info, 0, len(base)+len(paths))
	dirs := map[string]bool{"": true}
	keep := func(i store.Info, k int) {
		if i.Kind == store.KindNone || !dirs[parentOf(i.Path)] || cleared.under(i.Path, k) {
			return
		}
		out = append(out, i)
		if i.Kind == store.KindDir {
			dirs[i.Path] = true
		}
	}
	b, o := 0, 0
	for b < len(base) || o < len(paths) {
		switch {
		case o == len(paths) || (b < len(base) && base[b].Path < paths[o]):
			keep(base[b], -1)
			b++
		default:
			if b < len(base) && base[b].Path == paths[o] {
				b++
			}
			r := over[paths[o]]
			keep(r.i, r.k)
			o++
		}
	}
	return out
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
