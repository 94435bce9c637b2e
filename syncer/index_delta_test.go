package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"roamfs/event"
	"roamfs/store"
)

// stillLive is a mounted profile with no handle open: every replacement runs.
type stillLive struct{}

func (stillLive) OpenForWrite(string) bool                          { return false }
func (stillLive) WriteGen() uint64                                  { return 0 }
func (stillLive) WrittenSince(string, uint64) bool                  { return false }
func (stillLive) Exclusive(_ string, fn func() error) (bool, error) { return true, fn() }

func (m *idxMachine) writeBack() {
	m.t.Helper()
	if _, err := m.sy.WriteBack(context.Background(), stillLive{}); err != nil {
		m.t.Fatalf("%s write-back: %v", m.name, err)
	}
}

func (m *idxMachine) pull(ps *PullState) PullResult {
	m.t.Helper()
	r, err := m.sy.Pull(context.Background(), stillLive{}, ps, nil)
	if err != nil {
		m.t.Fatalf("%s pull: %v", m.name, err)
	}
	return r
}

// indexReads counts the opens of the index's base on m's server.
func (m *idxMachine) indexReads() *atomic.Int64 {
	n := &atomic.Int64{}
	m.server.FailOn(func(op, rel string) error {
		if op == store.OpOpen && rel == IndexName {
			n.Add(1)
		}
		return nil
	})
	m.t.Cleanup(func() { m.server.FailOn(nil) })
	return n
}

// deltaFiles lists the files in the server's deltas folder.
func deltaFiles(t *testing.T, server string) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(server, IndexDeltaDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestIndexDeltasKeptByRounds: write-back rounds add deltas on the base
// without reading it, the chain lists exactly the server after each, and
// past maxIndexDeltas the base is rewritten (not from a walk), the old
// deltas removed and the metadata back to the old key.
func TestIndexDeltasKeptByRounds(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedProfile(t, server)
	a := newIdxMachine(t, "A2", server)
	a.logon()
	reads := a.indexReads()
	base := serverMeta(t, server).indexChain().Base.Generation
	compacted, deltas := 0, 0
	for round := 1; round <= maxIndexDeltas+3; round++ {
		switch {
		case round%4 == 0:
			a.write(fmt.Sprintf("Documents/R%d/new.txt", round), "new")
		case round%4 == 1:
			a.write("Documents/a.txt", fmt.Sprintf("a%d", round))
		case round%4 == 2 && round > 4:
			a.remove(fmt.Sprintf("Documents/R%d", round-2)) // a folder with its file
		default:
			a.write(fmt.Sprintf("Desktop/d%d.txt", round), "d")
		}
		reads.Store(0)
		a.writeBack()
		if ref := checkIndexMatchesServer(t, a.machine, server); ref.Walked {
			t.Fatalf("round %d: the index was rebuilt from a walk", round)
		}
		m := serverMeta(t, server)
		c := m.indexChain()
		switch {
		case c.Base.Generation != base:
			compacted++
			base = c.Base.Generation
			if deltas != maxIndexDeltas || len(c.Deltas) != 0 || m.Index == nil || m.IndexChain != nil {
				t.Errorf("round %d: a new base %+v", round, m)
			}
			if reads.Load() != 1 {
				t.Errorf("round %d: the compaction read the base %d times", round, reads.Load())
			}
		default:
			if len(c.Deltas) == 0 || m.Index != nil || m.IndexChain == nil {
				t.Errorf("round %d: a chain with deltas must be named under index_chain only: %+v", round, m)
			}
			if reads.Load() != 0 {
				t.Errorf("round %d: a delta round read the base %d times", round, reads.Load())
			}
		}
		deltas = len(c.Deltas)
		if got := deltaFiles(t, server); len(got) != len(c.Deltas) {
			t.Errorf("round %d: %d delta files for %d deltas: %v", round, len(got), len(c.Deltas), got)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	if compacted != 1 {
		t.Errorf("%d compactions, want 1", compacted)
	}
	b := newIdxMachine(t, "B", server)
	b.logon()
	if !has(b.events(), event.IndexUsed) {
		t.Error("B's logon did not use the chain")
	}
	if d := diffTrees(tree(t, server), roamingTree(t, b.machine)); len(d) > 0 {
		t.Errorf("B's cache differs from server: %v", d)
	}
}

// TestIndexCompactionByEntries: a round that changes more paths than the
// deltas may hold writes a new base (from the chain, not a walk).
func TestIndexCompactionByEntries(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	a := seedProfile(t, server)
	a.logon()
	a.write("Desktop/one.txt", "1")
	a.logoff()
	if c := serverMeta(t, server).indexChain(); len(c.Deltas) != 1 {
		t.Fatalf("chain %+v: want one delta", c)
	}
	a.logon()
	for k := range minDeltaEntries + 10 {
		a.write(fmt.Sprintf("Documents/Many/f%04d", k), "x")
	}
	a.logoff()
	m := serverMeta(t, server)
	if m.Index == nil || m.IndexChain != nil || m.Index.Walked {
		t.Errorf("want a new base from the chain: %+v %+v", m.Index, m.IndexChain)
	}
	checkIndexMatchesServer(t, a.machine, server)
	if got := deltaFiles(t, server); len(got) != 0 {
		t.Errorf("the replaced delta is still there: %v", got)
	}
}

func TestWantsCompaction(t *testing.T) {
	c := &IndexChain{Base: IndexRef{Entries: 100_000}}
	if c.wantsCompaction(12_000) || !c.wantsCompaction(12_501) {
		t.Error("bound of a 100,000-entry base: 12,500 entries")
	}
	c = &IndexChain{Base: IndexRef{Entries: 10}}
	if c.wantsCompaction(1000) || !c.wantsCompaction(1001) {
		t.Error("bound of a small base: 1000 entries")
	}
	for range maxIndexDeltas - 1 {
		c = c.with(IndexRef{Entries: 1})
	}
	if c.wantsCompaction(1) {
		t.Errorf("%d deltas: room for one more", len(c.Deltas))
	}
	if c = c.with(IndexRef{Entries: 1}); !c.wantsCompaction(1) {
		t.Errorf("%d deltas: full", len(c.Deltas))
	}
}

// TestApplyDeltas: tombstones take subtrees with them, a folder deleted and
// made again keeps only what was made after, a top level a delta lacks is
// gone, and what a delta lists under no folder is left out.
func TestApplyDeltas(t *testing.T) {
	dir := func(p string) store.Info { return store.Info{Path: p, Kind: store.KindDir} }
	gone := func(p string) store.Info { return store.Info{Path: p} }
	base := []store.Info{dir("A"), dir("A/S"), ixFile("A/S/x"), ixFile("A/old"), dir("B"), ixFile("B/y"), ixFile("top")}
	deltas := [][]store.Info{
		{dir("A"), gone("A/S"), dir("B"), ixFile("B/z"), ixFile("top")},
		{dir("A"), dir("A/S"), ixFile("A/S/new"), ixFile("B"), ixFile("C/orphan"), ixFile("top")},
		{dir("A"), ixFile("A/S"), ixFile("B"), ixFile("late")},
	}
	var got []string
	for _, i := range applyDeltas(base, deltas[:2]) {
		got = append(got, i.Path)
	}
	if want := "A A/S A/S/new A/old B top"; strings.Join(got, " ") != want {
		t.Errorf("two deltas: %q, want %q", strings.Join(got, " "), want)
	}
	got = nil
	for _, i := range applyDeltas(base, deltas) {
		got = append(got, i.Path)
	}
	if want := "A A/S A/old B late"; strings.Join(got, " ") != want {
		t.Errorf("three deltas: %q, want %q", strings.Join(got, " "), want)
	}
}

// TestChainReaderStreams: the chain read as a stream (the base decoded at
// each pass, never held) lists exactly what applyDeltas gives on the decoded
// base, with the same top level, for each prefix of the deltas; a damaged
// delta or a base of other bytes is distrusted before anything is listed.
func TestChainReaderStreams(t *testing.T) {
	dir := func(p string) store.Info { return store.Info{Path: p, Kind: store.KindDir} }
	gone := func(p string) store.Info { return store.Info{Path: p} }
	base := []store.Info{dir("A"), dir("A/S"), ixFile("A/S/x"), ixFile("A/old"), dir("B"), ixFile("B/y"), ixFile("top")}
	deltas := [][]store.Info{
		{dir("A"), gone("A/S"), dir("B"), ixFile("B/z"), ixFile("top")},
		{dir("A"), dir("A/S"), ixFile("A/S/new"), ixFile("B"), ixFile("C/orphan"), ixFile("top")},
		{dir("A"), ixFile("A/S"), ixFile("B"), ixFile("late")},
	}
	data, ref := encodeList("g0", base, false)
	c := &IndexChain{Base: ref}
	cd := &chainData{base: data}
	paths := func(list []store.Info) string {
		var ps []string
		for _, i := range list {
			ps = append(ps, i.Path)
		}
		return strings.Join(ps, " ")
	}
	for n := 0; n <= len(deltas); n++ {
		if n > 0 {
			d, dref := encodeDelta(c, fmt.Sprintf("g%d", n), deltas[n-1])
			c = c.with(dref)
			cd.deltas = append(cd.deltas, d)
		}
		cr, err := openChainData(c, cd)
		if err != nil {
			t.Fatalf("%d deltas: %v", n, err)
		}
		want := applyDeltas(base, deltas[:n])
		var got []store.Info
		if err := cr.each(func(i store.Info) bool { got = append(got, i); return true }); err != nil {
			t.Fatal(err)
		}
		if paths(got) != paths(want) {
			t.Errorf("%d deltas: streamed %q, applyDeltas %q", n, paths(got), paths(want))
		}
		var wantTop []store.Info
		for _, i := range want {
			if parentOf(i.Path) == "" {
				wantTop = append(wantTop, i)
			}
		}
		if paths(cr.top) != paths(wantTop) {
			t.Errorf("%d deltas: top %q, want %q", n, paths(cr.top), paths(wantTop))
		}
		got = nil
		cr.each(func(i store.Info) bool { got = append(got, i); return len(got) < 2 })
		if len(got) != min(2, len(want)) {
			t.Errorf("%d deltas: each went on after fn returned false: %q", n, paths(got))
		}
	}
	bad := *cd
	bad.deltas = append([][]byte{}, cd.deltas...)
	bad.deltas[1] = append([]byte{}, bad.deltas[1]...)
	bad.deltas[1][len(bad.deltas[1])/2] ^= 1
	if _, err := openChainData(c, &bad); !errors.Is(err, errDistrust) {
		t.Errorf("a damaged delta: %v, want distrust", err)
	}
	other, _ := encodeList("g0", base[:3], false)
	if _, err := openChainData(c, &chainData{base: other, deltas: cd.deltas}); !errors.Is(err, errDistrust) {
		t.Errorf("another base: %v, want distrust", err)
	}
}

// chainWithDelta: A seeds the profile, then logs off a change, which writes
// one delta.
func chainWithDelta(t *testing.T, server string) *idxMachine {
	a := seedProfile(t, server)
	a.logon()
	a.write("Documents/Sub/delta.txt", "delta")
	a.logoff()
	if c := serverMeta(t, server).indexChain(); c == nil || len(c.Deltas) != 1 {
		t.Fatalf("chain %+v: want one delta", c)
	}
	return a
}

// replaceDelta puts data on the server as the chain's last delta and names
// ref for it in the metadata (nil ref: the metadata is left alone).
func replaceDelta(t *testing.T, server string, data []byte, ref *IndexRef) {
	t.Helper()
	m := serverMeta(t, server)
	last := &m.IndexChain.Deltas[len(m.IndexChain.Deltas)-1]
	full := filepath.Join(server, filepath.FromSlash(deltaPath(last.Generation)))
	if data == nil {
		os.Remove(full)
		return
	}
	if ref != nil {
		os.Remove(full)
		*last = *ref
		full = filepath.Join(server, filepath.FromSlash(deltaPath(ref.Generation)))
		out, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(server, ServerMetaName), out, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(full, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestHostileOrDamagedDeltaFallsBack: a delta that cannot be trusted makes
// the logon walk (event 1610) and the next logoff rebuild from a walk.
func TestHostileOrDamagedDeltaFallsBack(t *testing.T) {
	type delta struct {
		c    *IndexChain
		list []store.Info
	}
	enc := func(d delta, header []string, list []store.Info) ([]byte, *IndexRef) {
		data, ref := encodeEntries(indexDeltaMagic, header, list, false)
		return data, &ref
	}
	hdr := func(d delta, gen string) []string {
		return []string{d.c.Base.Generation, d.c.Base.Generation, gen}
	}
	cases := []struct {
		name string
		make func(d delta) ([]byte, *IndexRef)
	}{
		{"truncated", func(d delta) ([]byte, *IndexRef) {
			data, ref := enc(d, hdr(d, "g"), d.list)
			data = data[:len(data)/2]
			ref.Bytes, ref.SHA256 = int64(len(data)), sha(data)
			return data, ref
		}},
		{"wrong hash", func(d delta) ([]byte, *IndexRef) {
			data, ref := enc(d, hdr(d, "g"), d.list)
			ref.SHA256 = sha([]byte("other"))
			return data, ref
		}},
		{"replaced behind the metadata", func(d delta) ([]byte, *IndexRef) {
			data, _ := enc(d, hdr(d, d.c.Deltas[0].Generation), append(d.list, ixFile("Desktop/zz")))
			return data, nil
		}},
		{"missing file", func(d delta) ([]byte, *IndexRef) { return nil, nil }},
		{"written on another base", func(d delta) ([]byte, *IndexRef) {
			return enc(d, []string{"other", d.c.Base.Generation, "g"}, d.list)
		}},
		{"written after another delta", func(d delta) ([]byte, *IndexRef) {
			return enc(d, []string{d.c.Base.Generation, "other", "g"}, d.list)
		}},
		{"outside the profile", func(d delta) ([]byte, *IndexRef) {
			return enc(d, hdr(d, "g"), append([]store.Info{ixFile("../evil")}, d.list...))
		}},
		{"roamfs' own file", func(d delta) ([]byte, *IndexRef) {
			return enc(d, hdr(d, "g"), append([]store.Info{ixFile(IndexDeltaDir + "/d-x")}, d.list...))
		}},
		{"unknown kind", func(d delta) ([]byte, *IndexRef) {
			e := ixFile("zz")
			e.Kind = 9
			return enc(d, hdr(d, "g"), append(d.list, e))
		}},
		{"out of order", func(d delta) ([]byte, *IndexRef) {
			l := append([]store.Info(nil), d.list...)
			l[0], l[1] = l[1], l[0]
			return enc(d, hdr(d, "g"), l)
		}},
		{"an index, not a delta", func(d delta) ([]byte, *IndexRef) {
			data, ref := encodeList("g", d.list, false)
			return data, &ref
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			server := filepath.Join(t.TempDir(), "server")
			chainWithDelta(t, server)
			ch := serverMeta(t, server).indexChain()
			raw, err := os.ReadFile(filepath.Join(server, filepath.FromSlash(deltaPath(ch.Deltas[0].Generation))))
			if err != nil {
				t.Fatal(err)
			}
			list, err := decodeDelta(raw, ch, 0)
			if err != nil {
				t.Fatal(err)
			}
			// Each hostile delta also hides a real file and invents one.
			data, ref := c.make(delta{c: ch, list: fakeDelta(list)})
			replaceDelta(t, server, data, ref)
			b := newIdxMachine(t, "B", server)
			b.logon()
			ids := b.events()
			if !has(ids, event.IndexNotUsed) || has(ids, event.IndexUsed) {
				t.Errorf("events %v: want %d and not %d", ids, event.IndexNotUsed, event.IndexUsed)
			}
			if d := diffTrees(tree(t, server), roamingTree(t, b.machine)); len(d) > 0 {
				t.Errorf("cache differs from server: %v", d)
			}
			b.write("Documents/after.txt", "after")
			b.logoff()
			if ref := checkIndexMatchesServer(t, b.machine, server); !ref.Walked {
				t.Errorf("an index rebuilt over a distrusted one must come from a walk: %+v", ref)
			}
		})
	}
}

// fakeDelta turns the delta's Documents/Sub/delta.txt into a tombstone and
// adds Documents/Sub/fake.txt.
func fakeDelta(list []store.Info) []store.Info {
	var out []store.Info
	for _, i := range list {
		if i.Path == "Documents/Sub/delta.txt" {
			out = append(out, store.Info{Path: i.Path}, ixFile("Documents/Sub/fake.txt"))
			continue
		}
		out = append(out, i)
	}
	return out
}

// TestOlderRoamfsAndDeltas: a chain with deltas is invisible to an older
// roamfs, which finds no "index" key (and walks). Its logoff writes a full
// index from a walk under "index" and drops "index_chain" (a key it does
// not know): this roamfs reads that, and writes deltas on it again.
func TestOlderRoamfsAndDeltas(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	a := chainWithDelta(t, server)
	data, err := os.ReadFile(filepath.Join(server, ServerMetaName))
	if err != nil {
		t.Fatal(err)
	}
	var old struct {
		Version uint64    `json:"version"`
		Host    string    `json:"host"`
		Session string    `json:"session"`
		Upload  time.Time `json:"last_upload_time"`
		Index   *IndexRef `json:"index,omitempty"`
	}
	if err := json.Unmarshal(data, &old); err != nil || old.Index != nil {
		t.Fatalf("an older roamfs would find an index in %s (%v)", data, err)
	}
	// The older roamfs's logoff.
	writeServer(t, server, "Documents/Sub/old-roamfs.txt", "x")
	entries, err := a.sy.walkAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	full, ref := encodeIndex("old", entries, true)
	if err := os.WriteFile(filepath.Join(server, IndexName), full, 0o600); err != nil {
		t.Fatal(err)
	}
	old.Version++
	old.Index = &ref
	out, _ := json.Marshal(old)
	if err := os.WriteFile(filepath.Join(server, ServerMetaName), out, 0o600); err != nil {
		t.Fatal(err)
	}
	b := newIdxMachine(t, "B", server)
	b.logon()
	if ids := b.events(); !has(ids, event.IndexUsed) {
		t.Errorf("events %v: want %d", ids, event.IndexUsed)
	}
	if d := diffTrees(tree(t, server), roamingTree(t, b.machine)); len(d) > 0 {
		t.Errorf("B's cache differs from server: %v", d)
	}
	b.write("Desktop/b.txt", "b")
	b.logoff()
	checkIndexMatchesServer(t, b.machine, server)
	if c := serverMeta(t, server).indexChain(); c.Base.Generation != "old" || len(c.Deltas) != 1 {
		t.Errorf("want a delta on the older roamfs's index: %+v", c)
	}
}

// TestPullFromDeltas: B, logged on, pulls what A's rounds wrote from their
// deltas alone (no base read, no walk below the top level), and exactly
// that: a changed file, a new folder, a folder deleted with its files.
func TestPullFromDeltas(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedProfile(t, server)
	a := newIdxMachine(t, "A2", server)
	b := newIdxMachine(t, "B", server)
	a.logon()
	b.logon()
	var pa, pb PullState
	a.pull(&pa)
	b.pull(&pb) // the whole index: the chain to follow
	a.write("Music/x.txt", "x")
	a.writeBack()
	a.pull(&pa)
	b.pull(&pb)

	reads := b.indexReads()
	b.visited.Store(0)
	a.write("Documents/a.txt", "a changed")
	a.write("Documents/New/p.jpg", "p")
	a.writeBack()
	a.remove("Documents/Sub")
	a.remove("Music/x.txt")
	a.writeBack()
	if r := a.pull(&pa); r.Changed() != 0 {
		t.Errorf("A's pull after its own rounds changed %d paths: %+v", r.Changed(), r)
	}
	r := b.pull(&pb)
	if !r.Looked || r.Replaced != 1 || r.Created != 2 || r.Deleted != 3 {
		// Replaced: a.txt; created: Documents/New, p.jpg; deleted:
		// Documents/Sub, Sub/b.txt, Music/x.txt.
		t.Errorf("B's pull %+v", r)
	}
	if n := reads.Load(); n != 0 {
		t.Errorf("B's pull read the index's base %d times", n)
	}
	if n := b.visited.Load(); n != 0 {
		t.Errorf("B's pull walked %d entries below the top level", n)
	}
	if d := diffTrees(tree(t, server), roamingTree(t, b.machine)); len(d) > 0 {
		t.Errorf("B's cache differs from server: %v", d)
	}
	if r := b.pull(&pb); r.Looked || r.Changed() != 0 {
		t.Errorf("B's second pull %+v", r)
	}
}

// TestInterleavedRounds: two machines logged on at once, each writing back
// and pulling in turn: the chain lists the server after every round, both
// caches end equal to the server, and the pulls read deltas, not the base.
func TestInterleavedRounds(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedProfile(t, server)
	a := newIdxMachine(t, "A2", server)
	b := newIdxMachine(t, "B", server)
	a.logon()
	b.logon()
	var pa, pb PullState
	a.pull(&pa)
	b.pull(&pb)
	readsA, readsB := a.indexReads(), b.indexReads()
	ms := []*idxMachine{a, b}
	ps := []*PullState{&pa, &pb}
	for i := range 24 {
		me, other := i%2, 1-i%2
		m := ms[me]
		switch i % 3 {
		case 0:
			m.write(fmt.Sprintf("Documents/%s/f%d.txt", m.name, i), "x")
		case 1:
			m.write("Desktop/shared-"+m.name+".txt", fmt.Sprint(i))
		case 2:
			m.remove(fmt.Sprintf("Documents/%s/f%d.txt", m.name, i-2))
		}
		m.writeBack()
		if ref := checkIndexMatchesServer(t, m.machine, server); ref.Walked {
			t.Fatalf("round %d: the index was rebuilt from a walk", i)
		}
		m.pull(ps[me])
		ms[other].pull(ps[other])
	}
	for _, m := range ms {
		if d := diffTrees(tree(t, server), roamingTree(t, m.machine)); len(d) > 0 {
			t.Errorf("%s's cache differs from server: %v", m.name, d)
		}
	}
	// 24 rounds on a small base: compactions read the base, pulls never.
	if n := readsA.Load() + readsB.Load(); n > 2 {
		t.Errorf("the base was read %d times", n)
	}
}

// TestLostDeltaRebuildsIndex: two machines' rounds write their metadata at
// the same moment on a store without compare-and-swap, and the later one
// names a chain without the earlier one's delta (simulated by putting the
// metadata back as it was before A's round). A's next pull sees its delta
// gone; its next round, with nothing to upload, rewrites the index from a
// walk, and B's pull then brings what A wrote.
func TestLostDeltaRebuildsIndex(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedProfile(t, server)
	a := newIdxMachine(t, "A", server)
	b := newIdxMachine(t, "B", server)
	a.logon()
	b.logon()
	var pa, pb PullState
	a.pull(&pa)
	b.pull(&pb)
	metaFile := filepath.Join(server, ServerMetaName)
	before, err := os.ReadFile(metaFile)
	if err != nil {
		t.Fatal(err)
	}
	a.write("Documents/lost.txt", "written by A")
	a.writeBack()
	// B's round, racing, writes its metadata over A's: its chain lacks A's delta.
	if err := os.WriteFile(metaFile, before, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := b.pull(&pb); r.Created != 0 {
		t.Fatalf("B pulled %+v though no metadata names A's delta", r)
	}
	a.pull(&pa)   // finds its delta gone
	a.writeBack() // nothing to upload: rewrites the index
	if r := b.pull(&pb); r.Created != 1 {
		t.Errorf("B's pull after A rebuilt the index: %+v, want Documents/lost.txt created", r)
	}
	if d := diffTrees(tree(t, server), roamingTree(t, b.machine)); len(d) > 0 {
		t.Errorf("B's cache differs from the server: %v", d)
	}
}
