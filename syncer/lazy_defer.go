package syncer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"go.uber.org/zap"

	"roamfs/event"
	"roamfs/journal"
	"roamfs/store"
)

// A deferred namespace: the first logon of a cache (a pooled desktop's every
// logon) leaves every top-level folder of the server copy unmaterialized, so
// the only entries it needs from the profile index are the top level, and
// those it takes live anyway (index_read.go). Decoding the index only to
// sort the rest into the namespace file (lazy_namespace.go) was what made
// such a logon grow with the profile (about 1 µs per entry: 50,000 files
// doubled the time to ready). So it does not: it reads the index's files
// (one request each, checked against the metadata's length and SHA-256),
// keeps them in the namespace file as they are, marks the folders with the
// totals the index's metadata records for each top-level folder (IndexTop),
// and returns. The namespace proper is built from the kept index the first
// time it is needed: the background fill's first folder, a user's first
// look inside one, a listing of conflict copies. That build checks the
// index as a logon would (every entry sane, the top level as the logon saw
// it), and when it distrusts it, lists the folders from the server instead;
// either way the marks get the exact totals.
//
// The index is then trusted later than before, but on nothing but the same
// checks: what the logon itself decided (the top level, the hives) came
// from the live listing, never from the index.

const nsDeferredMagic = "roamfs-namespace-deferred 1\n"

// errNSDeferred says the namespace file holds a kept index, not yet sorted.
var errNSDeferred = errors.New("namespace not built yet")

// deferredNS is what a logon keeps to build the namespace later.
type deferredNS struct {
	Chain *IndexChain  `json:"chain"`
	Top   []store.Info `json:"top"`   // the server's top level as the logon listed it
	Roots []string     `json:"roots"` // the folders left unmaterialized, by server path
	data  *chainData
	// below: the top-level folders a delta lists an entry below, whose
	// base totals may be off.
	below map[string]bool
}

// canDefer reports whether a streamed logon may defer its namespace: the
// cache, the bases and the journal hold nothing, so every server folder of
// the top level will be left unmaterialized.
func (lz *lazyPlan) canDefer(v *view) bool {
	return len(v.steps) == 0 && len(lz.pd.paths) == 0 && len(lz.pd.spelling) == 0
}

// listDeferred is listServer for a logon that defers its namespace: fn is
// called for the live top level only, and lz keeps the index's files. It
// reports false (nothing done) when the index cannot be had this way (none,
// no totals, not matching its metadata): the caller reads it as usual, which
// says why.
func (s *Syncer) listDeferred(ctx context.Context, lz *lazyPlan, fn func(p string, v Version)) (bool, error) {
	m, err := s.ReadServerMeta(ctx)
	if err != nil {
		return false, nil
	}
	c := m.indexChain()
	if c == nil || len(c.Base.Top) == 0 {
		return false, nil
	}
	cd, err := s.readChainFiles(ctx, c)
	if err != nil {
		return false, nil
	}
	below := map[string]bool{}
	for k := range c.Deltas { // bounded: a few thousand entries together
		list, err := decodeDelta(cd.deltas[k], c, k)
		if err != nil {
			return false, nil
		}
		for _, i := range list {
			if top, _, ok := strings.Cut(i.Path, "/"); ok {
				below[top] = true
			}
		}
	}
	top, err := s.listTop(ctx)
	if err != nil {
		return false, err
	}
	s.ix.setLogon(nil)
	s.ix.setMissing(false)
	list := make([]store.Info, 0, len(top))
	for p, i := range top {
		i.Path = p
		list = append(list, i)
	}
	slices.SortFunc(list, func(a, b store.Info) int { return strings.Compare(a.Path, b.Path) })
	for _, i := range list {
		if s.acceptServerEntry(i, true) {
			fn(i.Path, fromStoreInfo(i))
		}
	}
	lz.deferred = &deferredNS{Chain: c, Top: list, data: cd, below: below}
	// The verification after the mount compares a walk with this index.
	s.ix.setLogon(&indexSnapshot{chain: c, data: cd})
	s.log.Info("logon read the server copy's top level; the profile index is kept to list the folders when they are first used",
		zap.Int("event_id", event.IndexUsed), zap.Int("entries", c.entries()), zap.String("generation", c.tail().Generation))
	return true, nil
}

// readChainFiles reads every file of c and checks each against the length
// and SHA-256 the metadata records; what they hold is checked when used.
func (s *Syncer) readChainFiles(ctx context.Context, c *IndexChain) (*chainData, error) {
	cd := &chainData{}
	read := func(rel string, ref IndexRef) ([]byte, error) {
		data, err := s.readIndexFile(ctx, rel, ref)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		if int64(len(data)) != ref.Bytes || hex.EncodeToString(sum[:]) != ref.SHA256 {
			return nil, distrust("%s does not match the metadata", rel)
		}
		return data, nil
	}
	var err error
	if cd.base, err = read(IndexName, c.Base); err != nil {
		return nil, err
	}
	for _, d := range c.Deltas {
		data, err := read(deltaPath(d.Generation), d)
		if err != nil {
			return nil, err
		}
		cd.deltas = append(cd.deltas, data)
	}
	return cd, nil
}

// entries is how many entries the chain's files list together.
func (c *IndexChain) entries() int {
	n := c.Base.Entries
	for _, d := range c.Deltas {
		n += d.Entries
	}
	return n
}

// deferredTotals is what the index's metadata says lies below the top-level
// folder sp: exact for a base alone, about right with deltas on it (the
// build corrects it).
func (d *deferredNS) totals(sp string) IndexTop {
	for _, t := range d.Chain.Base.Top {
		if t.Path == sp {
			return t
		}
	}
	return IndexTop{}
}

// empty reports whether nothing lies below the top-level folder sp for
// certain: the base lists it with nothing below and no delta lists anything
// below it. Such a folder is materialized at the end of the logon without
// the namespace (materializeEmpty).
func (d *deferredNS) empty(sp string) bool {
	for _, t := range d.Chain.Base.Top {
		if t.Path == sp {
			return t.Entries == 0 && !d.below[sp]
		}
	}
	return false
}

// write stores d durably at file: the magic, the header's length and JSON,
// then each of the chain's files, its length first.
func (d *deferredNS) write(file string) error {
	hdr, err := json.Marshal(d)
	if err != nil {
		return err
	}
	size := len(nsDeferredMagic) + len(hdr) + len(d.data.base) + 10*(2+len(d.data.deltas))
	for _, x := range d.data.deltas {
		size += len(x)
	}
	b := make([]byte, 0, size)
	b = append(b, nsDeferredMagic...)
	b = appendNSString(b, string(hdr))
	b = binary.AppendUvarint(b, uint64(len(d.data.base)))
	b = append(b, d.data.base...)
	for _, x := range d.data.deltas {
		b = binary.AppendUvarint(b, uint64(len(x)))
		b = append(b, x...)
	}
	return writeDurably(file, b)
}

// readDeferredNS reads what write stored.
func readDeferredNS(file string) (*deferredNS, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the kept namespace: %w", err)
	}
	if !bytes.HasPrefix(b, []byte(nsDeferredMagic)) {
		return nil, errNamespace
	}
	r := nsReader{b: b[len(nsDeferredMagic):]}
	d := &deferredNS{}
	if err := json.Unmarshal([]byte(r.str()), d); r.bad || err != nil || d.Chain == nil {
		return nil, fmt.Errorf("the kept namespace %s: %w", file, errNamespace)
	}
	blob := func() []byte {
		n := r.uvarint()
		if r.bad || n > uint64(len(r.b)) {
			r.bad = true
			return nil
		}
		x := r.b[:n]
		r.b = r.b[n:]
		return x
	}
	d.data = &chainData{base: blob()}
	for range d.Chain.Deltas {
		d.data.deltas = append(d.data.deltas, blob())
	}
	if r.bad || len(r.b) != 0 {
		return nil, fmt.Errorf("the kept namespace %s: %w", file, errNamespace)
	}
	return d, nil
}

// sort builds the namespace of d's roots from the kept index into nb; fn,
// when set, filters the entries (and a folder it refuses takes its subtree
// along). Any doubt about the index wraps errDistrust.
// It returns the index's top level.
func (d *deferredNS) sort(nb *nsBuilder, accept func(store.Info) bool) ([]store.Info, error) {
	add := func(i store.Info) {
		if parentOf(i.Path) != "" && nb.below(i.Path) && (accept == nil || accept(i)) {
			nb.add(i.Path, fromStoreInfo(i))
		}
	}
	if len(d.Chain.Deltas) == 0 {
		// A base alone is checked and sorted in one pass: nb is thrown
		// away when the check fails further on.
		var top []store.Info
		_, err := scanEntries(d.data.base, d.Chain.Base, indexMagic, 1, false, func(i store.Info) {
			if parentOf(i.Path) == "" {
				top = append(top, i)
			}
			add(i)
		})
		return top, err
	}
	cr, err := openChainData(d.Chain, d.data)
	if err != nil {
		return nil, err
	}
	err = cr.each(func(i store.Info) bool { add(i); return true })
	return cr.top, err
}

// namespaceLocked opens the session's namespace, building it first when the
// logon deferred it. Under lazy.mat.
func (s *Syncer) namespaceLocked() (*namespace, error) {
	if s.lazy.ns != nil {
		return s.lazy.ns, nil
	}
	if s.cfg.NamespaceFile == "" {
		return nil, fmt.Errorf("no namespace file configured")
	}
	ns, err := openNamespace(s.cfg.NamespaceFile)
	if errors.Is(err, errNSDeferred) {
		err = s.buildDeferred(s.cfg.NamespaceFile)
		if err == nil {
			ns, err = openNamespace(s.cfg.NamespaceFile)
		}
	}
	if err != nil {
		return nil, err
	}
	s.lazy.ns = ns
	return ns, nil
}

// buildDeferred sorts the kept index into the namespace file, in its place,
// and gives the folders' marks the exact totals (see the top of this file).
func (s *Syncer) buildDeferred(file string) error {
	d, err := readDeferredNS(file)
	if err != nil {
		return err
	}
	nb := newNSBuilder()
	for _, r := range d.Roots {
		nb.root(r)
	}
	ixTop, err := d.sort(nb, func(i store.Info) bool { return s.acceptServerEntry(i, true) })
	if err == nil {
		top := map[string]store.Info{}
		for _, i := range d.Top {
			top[i.Path] = i
		}
		if why := s.topDiffers(ixTop, top); why != "" {
			err = distrust("the server copy changed since the index was written: %s", why)
		}
	}
	if err == nil {
		s.ix.setVerified(d.Chain) // for the next index delta
	} else {
		if !errors.Is(err, errDistrust) {
			return err
		}
		// What the logon decided came from the live top level; only what
		// lies below the folders is listed from the server now.
		s.ix.markStale()
		s.ix.setLogon(nil)
		s.log.Warn("the server copy's profile index is not used: the folders left unmaterialized are listed from the server",
			zap.Int("event_id", event.IndexNotUsed), zap.String("reason", err.Error()))
		nb = newNSBuilder()
		for _, r := range d.Roots {
			nb.root(r)
		}
		if err := s.listRoots(context.Background(), d.Roots, nb); err != nil {
			return err
		}
	}
	nb.totals()
	if err := writeDurably(file, nb.encode()); err != nil {
		return err
	}
	return s.retotal(nb)
}

// listRoots lists what lies below each of roots from the server, as a walk
// of the server copy would.
func (s *Syncer) listRoots(ctx context.Context, roots []string, nb *nsBuilder) error {
	for _, r := range roots {
		err := s.cfg.Store.Walk(ctx, r, func(i store.Info) error {
			if i.Path == r || isTemp(i.Path) {
				return nil
			}
			if !nb.below(i.Path) || !s.acceptServerEntry(i, true) {
				if i.Kind == store.KindDir {
					return fs.SkipDir
				}
				return nil
			}
			nb.add(i.Path, fromStoreInfo(i))
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone since the logon: the folder stays empty
		}
		if err != nil {
			return fmt.Errorf("list server folder %s: %w", r, err)
		}
	}
	return nil
}

// retotal gives every folder mark the namespace holds its totals from nb.
func (s *Syncer) retotal(nb *nsBuilder) error {
	s.lazy.mu.Lock()
	set := map[string]journal.Unmaterialized{}
	for k, u := range s.lazy.m {
		if g, ok := nb.dirs[u.ServerPath]; ok && (u.Files != g.files || u.Bytes != g.bytes || u.Entries != g.entries) {
			u.Files, u.Bytes, u.Entries = g.files, g.bytes, g.entries
			set[k] = u
		}
	}
	s.lazy.mu.Unlock()
	if len(set) == 0 {
		return nil
	}
	if err := s.cfg.Journal.SetUnmaterialized(set, nil); err != nil {
		return err
	}
	for k, u := range set {
		s.lazy.put(k, u)
	}
	return nil
}

// deferredNamespace sorts a kept index in memory, unfiltered: the listing of
// a cache without a session (LazyFiles).
func deferredNamespace(file string) (*namespace, error) {
	d, err := readDeferredNS(file)
	if err != nil {
		return nil, err
	}
	nb := newNSBuilder()
	for _, r := range d.Roots {
		nb.root(r)
	}
	if _, err := d.sort(nb, nil); err != nil {
		return nil, fmt.Errorf("the kept profile index: %w", err)
	}
	nb.totals()
	data := nb.encode()
	return readNS(nopCloser{bytes.NewReader(data)}, int64(len(data)))
}
