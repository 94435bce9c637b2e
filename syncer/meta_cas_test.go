//go:build linux

package syncer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"roamfs/internal/s3test"
	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
	"roamfs/store/s3"
	"roamfs/store/storetest"
)

// hookStore runs before ahead of each conditional write, to order two
// machines' logoffs exactly.
type hookStore struct {
	*s3.Store
	before func(rel string)
}

func (h *hookStore) PutIf(ctx context.Context, rel string, r io.Reader, size int64, mode fs.FileMode, mtime time.Time, tag string) (string, error) {
	if h.before != nil {
		h.before(rel)
	}
	return h.Store.PutIf(ctx, rel, r, size, mode, mtime, tag)
}

// s3Profile is a fresh profile in a private versitygw.
func s3Profile(t *testing.T) string {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	var b [4]byte
	rand.Read(b[:])
	return "s3://" + srv.Bucket(t) + "/p-" + hex.EncodeToString(b[:])
}

func newS3Machine(t *testing.T, name, spec string, clock time.Time) (*machine, *hookStore) {
	t.Helper()
	root := t.TempDir()
	j, err := journal.Open(filepath.Join(root, "journal"), journal.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	st, err := s3.Open(context.Background(), spec, s3.Options{PathStyle: true, Create: true})
	if err != nil {
		t.Fatal(err)
	}
	h := &hookStore{Store: st}
	m := &machine{t: t, name: name, dir: filepath.Join(root, "profile"), j: j, server: storetest.NewFaulty(h), clock: clock}
	m.sy, err = New(Config{ProfileDir: m.dir, Journal: j, Store: m.server, Policy: policy.Default(), Host: name, Session: name, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.sy.Close() })
	return m, h
}

// serverContents maps every file of the profile to its content.
func serverContents(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := st.Walk(context.Background(), "", func(i store.Info) error {
		if i.Kind != store.KindFile || i.Path == ServerMetaName || i.Path == "NTUSER.DAT" {
			return nil
		}
		rc, _, err := st.Open(context.Background(), i.Path)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		out[i.Path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func treeHolds(files map[string]string, content string) bool {
	for _, c := range files {
		if c == content {
			return true
		}
	}
	return false
}

// TestCASLostRaceReplans: A plans, B changes the same file and logs off
// completely, then A writes: A's conditional write is refused, A plans again
// and the logoff rules keep both versions (A's newer one in place, B's as a
// conflict copy).
func TestCASLostRaceReplans(t *testing.T) {
	spec := s3Profile(t)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	a, ha := newS3Machine(t, "A", spec, t0)
	b, _ := newS3Machine(t, "B", spec, t0.Add(30*time.Second))
	a.logon()
	a.write("shared.txt", "v0")
	a.logoff()
	b.logon()
	a.write("shared.txt", "from A")
	a.write("only-a.txt", "A")
	b.write("shared.txt", "from B") // 08:01:30, older than A's 08:02
	b.write("only-b.txt", "B")

	planned, bDone := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ha.before = func(rel string) {
		once.Do(func() { close(planned); <-bDone })
	}
	resA := make(chan Result, 1)
	go func() {
		r, err := a.sy.Logoff(context.Background())
		if err != nil {
			t.Errorf("A logoff: %v", err)
		}
		resA <- r
	}()
	<-planned
	b.logoff()
	close(bDone)
	r := <-resA
	if r.Conflicts != 1 {
		t.Errorf("A's logoff after losing the race: %+v; want one conflict", r)
	}
	files := serverContents(t, a.server)
	if files["shared.txt"] != "from A" || files["only-a.txt"] != "A" || files["only-b.txt"] != "B" || !treeHolds(files, "from B") {
		t.Errorf("server = %v; want A's newer shared.txt, B's as a copy, both own files", files)
	}
	m, err := a.sy.ReadServerMeta(context.Background())
	if err != nil || m.Version != 3 || m.Host != "A" {
		t.Errorf("server metadata = %+v, %v; want version 3 written by A (A, B, A again)", m, err)
	}
}

// TestCASConcurrentLogoffs: two machines change the same file and one of
// their own each, then log off at the same moment, again and again; every
// version written survives, in place or as a conflict copy.
func TestCASConcurrentLogoffs(t *testing.T) {
	spec := s3Profile(t)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	a, _ := newS3Machine(t, "A", spec, t0)
	b, _ := newS3Machine(t, "B", spec, t0.Add(30*time.Second))
	a.logon()
	b.logon()
	const rounds = 8
	for i := range rounds {
		a.write("shared.txt", fmt.Sprintf("A%d", i))
		a.write(fmt.Sprintf("a%d.txt", i), "a")
		b.write("shared.txt", fmt.Sprintf("B%d", i))
		b.write(fmt.Sprintf("b%d.txt", i), "b")
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, m := range []*machine{a, b} {
			wg.Go(func() {
				<-start
				if _, err := m.sy.Logoff(context.Background()); err != nil {
					t.Errorf("round %d: %s logoff: %v", i, m.name, err)
				}
			})
		}
		close(start)
		wg.Wait()
		files := serverContents(t, a.server)
		for _, want := range []string{fmt.Sprintf("A%d", i), fmt.Sprintf("B%d", i)} {
			if !treeHolds(files, want) {
				t.Errorf("round %d: %q lost; server = %v", i, want, files)
			}
		}
		for _, f := range []string{fmt.Sprintf("a%d.txt", i), fmt.Sprintf("b%d.txt", i)} {
			if _, ok := files[f]; !ok {
				t.Errorf("round %d: %s lost", i, f)
			}
		}
		a.logon()
		b.logon()
	}
	m, err := a.sy.ReadServerMeta(context.Background())
	if err != nil || m.Version < 2*rounds {
		t.Errorf("server metadata = %+v, %v; want a version per logoff (%d)", m, err, 2*rounds)
	}
	if t.Failed() {
		files := serverContents(t, a.server)
		var names []string
		for k := range files {
			names = append(names, k)
		}
		t.Logf("server files: %s", strings.Join(names, " "))
	}
}

// TestCASWriteBackRounds: write-back rounds take the logoff's
// compare-and-swap loop. A round after another machine's round succeeds
// (its metadata write is conditional on the tag this round read, not on one
// an earlier round left behind); a round that loses a race to another
// machine's round plans again and keeps both versions; the metadata counts
// every round that wrote, so none overwrote another's.
func TestCASWriteBackRounds(t *testing.T) {
	spec := s3Profile(t)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	a, ha := newS3Machine(t, "A", spec, t0)
	b, _ := newS3Machine(t, "B", spec, t0.Add(30*time.Second))
	a.logon()
	a.write("shared.txt", "v0")
	a.logoff()
	a.logon()
	b.logon()
	round := func(m *machine) WriteBackResult {
		t.Helper()
		r, err := m.sy.WriteBack(context.Background(), stillLive{})
		if err != nil {
			t.Fatalf("%s's round: %v", m.name, err)
		}
		return r
	}
	version := func() uint64 {
		m, err := a.sy.ReadServerMeta(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return m.Version
	}
	v0 := version()
	// In turn, three times: each round follows the other machine's.
	for i := range 3 {
		a.write(fmt.Sprintf("a%d.txt", i), "a")
		round(a)
		b.write(fmt.Sprintf("b%d.txt", i), "b")
		round(b)
	}
	if v := version(); v != v0+6 {
		t.Errorf("metadata version %d after six rounds in turn; want %d", v, v0+6)
	}
	// A plans its round; B's round writes the same file meanwhile.
	a.write("shared.txt", "from A")
	b.write("shared.txt", "from B")
	planned, bDone := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ha.before = func(string) { once.Do(func() { close(planned); <-bDone }) }
	resA := make(chan WriteBackResult, 1)
	go func() {
		r, err := a.sy.WriteBack(context.Background(), stillLive{})
		if err != nil {
			t.Errorf("A's round that lost the race: %v", err)
		}
		resA <- r
	}()
	<-planned
	round(b)
	close(bDone)
	if r := <-resA; r.Conflicts != 1 {
		t.Errorf("A's round after losing the race: %+v; want one conflict", r.Result)
	}
	ha.before = nil
	files := serverContents(t, a.server)
	if !treeHolds(files, "from A") || !treeHolds(files, "from B") {
		t.Errorf("server = %v; want both versions of shared.txt", files)
	}
	if v := version(); v != v0+8 {
		t.Errorf("metadata version %d after eight rounds; want %d", v, v0+8)
	}
}

// TestCASConflictCopiesIndexed: on S3 every server write of a logoff is a
// conditional one, which goes to the store below the syncer's recorder of
// changed paths. A conflict copy is in no plan's steps, so unless the
// conditional write is recorded too, the index (below the top level, which
// every index update lists) never names it and machines that trust the
// index never see it.
func TestCASConflictCopiesIndexed(t *testing.T) {
	spec := s3Profile(t)
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	a, _ := newS3Machine(t, "A", spec, t0)
	b, _ := newS3Machine(t, "B", spec, t0.Add(30*time.Second))
	a.logon()
	a.write("Documents/shared.txt", "v0")
	a.write("Documents/keep.txt", "k")
	a.logoff()
	a.logon()
	b.logon()
	b.write("Documents/shared.txt", "from B") // older: its version loses and is kept as a copy by A
	a.write("Documents/shared.txt", "from A")
	a.write("Documents/local-loses.txt", "A's")
	b.writeAt("Documents/local-loses.txt", "B's, newer", t0.Add(time.Hour)) // A's loses, uploaded as A's copy
	b.logoff()
	if r := a.logoff(); r.Conflicts != 2 {
		t.Fatalf("A's logoff: %+v; want two conflicts", r)
	}
	files := serverContents(t, a.server)
	var copies []string
	for p := range files {
		if _, _, _, ok := ParseConflictName(p); ok {
			copies = append(copies, p)
		}
	}
	if len(copies) != 2 {
		t.Fatalf("server holds conflict copies %v; want two: %v", copies, files)
	}
	indexed := map[string]bool{}
	used, err := a.sy.listServer(context.Background(), true, func(p string, _ Version) { indexed[p] = true })
	if err != nil || !used {
		t.Fatalf("reading the index: used %v, %v", used, err)
	}
	for _, p := range copies {
		if !indexed[p] {
			t.Errorf("conflict copy %s is on the server but not in the index", p)
		}
	}
}
