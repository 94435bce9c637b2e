package gofuse

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"roamfs/fs/fstest"
	"roamfs/journal"
	"roamfs/overlay"
)

// TestReleaseAll is a mount whose kernel never sends RELEASE or RELEASEDIR
// (the connection went away with the unmount): releaseAll must close the
// cache's descriptors and journal the final size a RELEASE would have.
func TestReleaseAll(t *testing.T) {
	j := &memJournal{}
	p, err := overlay.New(t.TempDir(), j, nil, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	root := NewRoot(p)
	fs.NewNodeFS(root, &fs.Options{}) // an inode tree without a kernel
	ctx := context.Background()

	var out fuse.EntryOut
	ch, fh, _, e := root.Create(ctx, "a.txt", uint32(os.O_RDWR|os.O_CREATE), 0o644, &out)
	if e != 0 {
		t.Fatal(e)
	}
	root.AddChild("a.txt", ch, false)
	f := fh.(*File)
	if _, e := f.Write(ctx, []byte("hello"), 0); e != 0 {
		t.Fatal(e)
	}
	dir, e := root.Mkdir(ctx, "d", 0o755, &out)
	if e != 0 {
		t.Fatal(e)
	}
	root.AddChild("d", dir, false)
	ds, e := dir.Operations().(*Node).Readdir(ctx)
	if e != 0 {
		t.Fatal(e)
	}
	if got := fstest.OpenUnder(p.Root()); len(got) != 2 {
		t.Fatalf("open before releaseAll: %v, want a.txt and d", got)
	}

	var wg sync.WaitGroup
	for range 2 { // the session's Wait and Unmount both get there
		wg.Go(root.open.releaseAll)
	}
	wg.Wait()
	if got := fstest.OpenUnder(p.Root()); len(got) != 0 {
		t.Fatalf("still open after releaseAll: %v", got)
	}
	if !j.has(journal.OpWrite, "a.txt", 5) {
		t.Errorf("no write record of a.txt with size 5: %+v", j.recs)
	}

	// A RELEASE arriving after all must not close the descriptor number again:
	// by then it may be someone else's.
	sentinel, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sentinel)
	if sentinel != f.h.Fd() { // the lowest free number usually is the one just closed
		if err := unix.Dup2(sentinel, f.h.Fd()); err != nil {
			t.Fatal(err)
		}
		defer unix.Close(f.h.Fd())
	}
	if e := f.Release(ctx); e != 0 {
		t.Errorf("late release: %v", e)
	}
	ds.Close()
	var st unix.Stat_t
	if err := unix.Fstat(f.h.Fd(), &st); err != nil {
		t.Errorf("a late release closed descriptor %d a second time: %v", f.h.Fd(), err)
	}

	// An open still being served when the server stopped fails, leaving nothing open.
	if _, _, e := ch.Operations().(*Node).Open(ctx, uint32(os.O_RDONLY)); e != syscall.ENODEV {
		t.Errorf("open after stop: %v, want ENODEV", e)
	}
	if _, e := dir.Operations().(*Node).Readdir(ctx); e != syscall.ENODEV {
		t.Errorf("readdir after stop: %v, want ENODEV", e)
	}
	if got := fstest.OpenUnder(p.Root()); len(got) != 0 {
		t.Fatalf("open after a late open: %v", got)
	}
}

// TestLeftOpenOneCloser: with normal releases racing releaseAll, each
// descriptor is closed exactly once.
func TestLeftOpenOneCloser(t *testing.T) {
	l := newLeftOpen()
	rs := make([]*countCloser, 100)
	for i := range rs {
		rs[i] = &countCloser{}
		if !l.keep(rs[i]) {
			t.Fatal("keep refused before releaseAll")
		}
	}
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() {
			if l.drop(r) {
				r.releaseLate()
			}
		})
	}
	wg.Go(l.releaseAll)
	wg.Go(l.releaseAll)
	wg.Wait()
	for i, r := range rs {
		if n := r.n.Load(); n != 1 {
			t.Errorf("descriptor %d closed %d times", i, n)
		}
	}
	if l.keep(&countCloser{}) {
		t.Error("keep accepted after releaseAll")
	}
}

type countCloser struct{ n atomic.Int32 }

func (c *countCloser) releaseLate() { c.n.Add(1) }

// memJournal is an overlay.Journal in memory.
type memJournal struct {
	mu   sync.Mutex
	recs []journal.Record
}

func (j *memJournal) Append(recs ...journal.Record) ([]journal.Record, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.recs = append(j.recs, recs...)
	return recs, nil
}

func (j *memJournal) has(op journal.Op, rel string, size int64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range j.recs {
		if r.Op == op && r.Path == rel && r.Size == size {
			return true
		}
	}
	return false
}
