package syncer

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"roamfs/event"
	"roamfs/journal"
	"roamfs/store"
)

// deferredMachine is a lazy machine whose log and server walks are watched.
func deferredMachine(t *testing.T, name, server string) (*machine, *observer.ObservedLogs, *atomic.Int64) {
	m := lazy(t, name, server)
	core, logs := observer.New(zap.InfoLevel)
	m.sy.log = zap.New(core)
	n := &atomic.Int64{}
	m.sy.ix.rec.Store = countingStore{Store: m.sy.ix.rec.Store, n: n}
	return m, logs, n
}

func eventIDs(logs *observer.ObservedLogs) []int {
	var ids []int
	for _, e := range logs.TakeAll() {
		for _, f := range e.Context {
			if f.Key == "event_id" {
				ids = append(ids, int(f.Integer))
			}
		}
	}
	return ids
}

func namespaceDeferred(t *testing.T, m *machine) bool {
	t.Helper()
	b, err := os.ReadFile(m.sy.cfg.NamespaceFile)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.HasPrefix(b, []byte(nsDeferredMagic))
}

// lazyCounts is what m's folder marks say lies below them.
func markTotals(m *machine) (files, bytes, entries int64) {
	return m.sy.lazy.counts()
}

// TestDeferredLogon: the first streamed logon of a cache reads nothing of
// the server below its top level and decodes nothing of the index: it keeps
// the index and marks the top-level folders with the totals of the index's
// metadata. The first materialization sorts the kept index into the
// namespace, and the cache then is exactly what a logon that read the index
// (or walked) gives.
func TestDeferredLogon(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	files := maps.Clone(lazyFiles)
	files["Saved Games/Game/empty.sav"] = "" // no data below, but not empty
	seedServer(t, server, files)
	if serverMeta(t, server).Index == nil || len(serverMeta(t, server).Index.Top) == 0 {
		t.Fatal("the seeding logoff wrote no index with top-level totals")
	}
	whole := streamed(t, "W", server)
	wres := whole.logon()
	m, logs, visited := deferredMachine(t, "A", server)
	res := m.logon()
	if !namespaceDeferred(t, m) {
		t.Fatal("the logon sorted the index into the namespace; want it kept as it is")
	}
	if n := visited.Load(); n != 0 {
		t.Errorf("the logon listed %d server entries below the top level", n)
	}
	if ids := eventIDs(logs); !has(ids, event.IndexUsed) || has(ids, event.IndexNotUsed) {
		t.Errorf("events %v; want %d (index used) and not %d", ids, event.IndexUsed, event.IndexNotUsed)
	}
	if res.Placeholders != wres.Placeholders || res.PlaceholderBytes != wres.PlaceholderBytes {
		t.Errorf("deferred logon counts %d/%d, whole %d/%d", res.Placeholders, res.PlaceholderBytes, wres.Placeholders, wres.PlaceholderBytes)
	}
	// A listing of a cache without a session reads the kept index as well.
	var listed []string
	if err := LazyFiles(m.j, m.sy.cfg.NamespaceFile, func(p string, _ Version) { listed = append(listed, p) }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(listed)
	var want []string
	for p := range files {
		if filepath.Dir(p) != "." {
			want = append(want, p)
		}
	}
	sort.Strings(want)
	if fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Errorf("LazyFiles of the kept index = %v; want %v", listed, want)
	}
	if !namespaceDeferred(t, m) {
		t.Fatal("the namespace was built before it was needed")
	}
	if err := m.sy.MaterializeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if namespaceDeferred(t, m) {
		t.Error("the namespace is still the kept index after the materialization")
	}
	if d := diffTrees(tree(t, whole.dir), tree(t, m.dir)); len(d) > 0 {
		t.Errorf("caches differ: %v", d)
	}
	if d := diffTrees(bases(t, whole.j), bases(t, m.j)); len(d) > 0 {
		t.Errorf("bases differ: %v", d)
	}
}

// TestDeferredLogonDistrustedIndex: an index that matches its metadata but
// fails the checks a logon applies (here an entry out of order that invents
// a file) is found out when the kept index is first sorted: the folders are
// listed from the server instead, with event 1610, and the cache holds what
// the server holds.
func TestDeferredLogonDistrustedIndex(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	real, _ := serverIndexOf(t, server)
	list := append([]store.Info{}, real.list...)
	list = append(list, store.Info{Path: "Documents/aa-invented.txt", Kind: store.KindFile, Size: 5, Mode: 0o644, MTime: list[0].MTime})
	data, ref := encodeList("hostile", list, false)
	replaceIndex(t, server, data, &ref)

	whole := streamed(t, "W", server)
	whole.logon()
	m, logs, _ := deferredMachine(t, "A", server)
	m.logon()
	if !namespaceDeferred(t, m) {
		t.Fatal("the logon did not keep the index (it matches its metadata)")
	}
	eventIDs(logs)
	if err := m.sy.MaterializeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ids := eventIDs(logs); !has(ids, event.IndexNotUsed) {
		t.Errorf("events %v; want %d (index not used)", ids, event.IndexNotUsed)
	}
	if _, err := os.Lstat(filepath.Join(m.dir, "Documents/aa-invented.txt")); err == nil {
		t.Error("the file only the distrusted index lists is in the cache")
	}
	if d := diffTrees(tree(t, whole.dir), tree(t, m.dir)); len(d) > 0 {
		t.Errorf("caches differ: %v", d)
	}
}

// TestDeferredLogonTopChanged: a top-level folder added behind roamfs' back
// after the index was written enters the logon from the live listing; the
// kept index no longer matches the top level, so the folders are listed from
// the server when first used, and the new folder's contents arrive too.
func TestDeferredLogonTopChanged(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	writeServer(t, server, "Behind/back.txt", "behind roamfs' back")
	whole := streamed(t, "W", server)
	whole.logon()
	m, logs, _ := deferredMachine(t, "A", server)
	m.logon()
	if err := m.sy.MaterializeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ids := eventIDs(logs); !has(ids, event.IndexNotUsed) {
		t.Errorf("events %v; want %d (index not used)", ids, event.IndexNotUsed)
	}
	if d := diffTrees(tree(t, whole.dir), tree(t, m.dir)); len(d) > 0 {
		t.Errorf("caches differ: %v", d)
	}
	if _, err := os.Lstat(filepath.Join(m.dir, "Behind/back.txt")); err != nil {
		t.Errorf("the file added behind roamfs' back: %v", err)
	}
}

// TestDeferredTotalsCorrected: the totals a deferred logon marks the folders
// with come from the index's metadata; once the kept index is sorted, the
// marks say exactly what lies below them (here the metadata's totals are
// wrong, as they are approximate when deltas lie on the base).
func TestDeferredTotalsCorrected(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, lazyFiles)
	real, _ := serverIndexOf(t, server)
	data, ref := encodeList("off-by-some", real.list, false)
	for i := range ref.Top {
		ref.Top[i].Files += 7
		ref.Top[i].Bytes += 1000
	}
	replaceIndex(t, server, data, &ref)
	m, _, _ := deferredMachine(t, "A", server)
	m.logon()
	if f, _, _ := markTotals(m); f == 0 {
		t.Fatal("the marks say nothing lies below the folders")
	}
	// A listing builds the namespace (without materializing).
	if err := m.sy.LazyFiles(func(string, Version) {}); err != nil {
		t.Fatal(err)
	}
	files, size, _ := markTotals(m)
	var wantFiles, wantBytes int64
	for p, c := range lazyFiles {
		if c != "" && filepath.Dir(p) != "." {
			wantFiles++
			wantBytes += int64(len(c))
		}
	}
	if files != wantFiles || size != wantBytes {
		t.Errorf("marks after the build: %d files, %d bytes; want %d, %d", files, size, wantFiles, wantBytes)
	}
	// And the journal's marks, which a restarted daemon reads, agree.
	var jf int64
	m.j.EachUnmaterialized(func(_ string, u journal.Unmaterialized) error { jf += u.Files; return nil })
	if jf != wantFiles {
		t.Errorf("journal marks: %d files; want %d", jf, wantFiles)
	}
}

// TestDeferredLogoffMaterializesDataless: a folder with no data below it but
// not empty stays unmaterialized after a deferred logon (knowing what lies
// below it needs the namespace); with no fill in between, the logoff
// materializes it, so the cache it leaves lacks only files not yet fetched.
func TestDeferredLogoffMaterializesDataless(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	seedServer(t, server, map[string]string{
		"Saved Games/Game/empty.sav": "",
		"Documents/a.txt":            "alpha",
	})
	m, _, _ := deferredMachine(t, "A", server)
	m.logon()
	if !namespaceDeferred(t, m) {
		t.Fatal("the logon did not defer its namespace")
	}
	if _, err := os.Lstat(filepath.Join(m.dir, "Saved Games", "Game")); err == nil {
		t.Fatal("the deferred logon materialized a folder it cannot know to be empty; the test checks nothing")
	}
	m.logoff()
	if fi, err := os.Lstat(filepath.Join(m.dir, "Saved Games", "Game", "empty.sav")); err != nil || fi.Size() != 0 {
		t.Errorf("after the logoff: %v, %v; want the empty file in the cache", fi, err)
	}
	for _, k := range m.sy.lazy.keys("") {
		if u, ok := m.sy.lazy.get(k); ok && u.Files == 0 {
			t.Errorf("%s still unmaterialized after the logoff though it holds no data", u.Path)
		}
	}
}
