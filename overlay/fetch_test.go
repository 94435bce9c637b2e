package overlay

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"roamfs/event"
)

// fakeFetcher keeps placeholders by path; a fetch writes "data of PATH".
type fakeFetcher struct {
	mu      sync.Mutex
	dir     string
	pending map[string]bool
	calls   []string
	block   chan struct{} // non-nil: Fetch waits for it (or ctx)
	fail    error         // non-nil: Fetch returns it
}

func (f *fakeFetcher) log(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeFetcher) Pending(rel string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending[rel]
}

func (f *fakeFetcher) Fetch(ctx context.Context, rel string) error {
	f.log("fetch " + rel)
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.fail != nil {
		return f.fail
	}
	if err := os.WriteFile(filepath.Join(f.dir, rel), []byte("data of "+rel), 0o644); err != nil {
		return err
	}
	f.mu.Lock()
	delete(f.pending, rel)
	f.mu.Unlock()
	return nil
}

func (f *fakeFetcher) Forget(rel string, op func() error) error {
	f.log("forget " + rel)
	if err := op(); err != nil {
		return err
	}
	f.mu.Lock()
	delete(f.pending, rel)
	f.mu.Unlock()
	return nil
}

func (f *fakeFetcher) Move(_ context.Context, oldRel, newRel string, _ bool, op func() error) error {
	f.log("move " + oldRel + " " + newRel)
	if err := op(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending[oldRel] {
		delete(f.pending, oldRel)
		f.pending[newRel] = true
	}
	return nil
}

func placeholders(t *testing.T, names ...string) (*Profile, *fakeFetcher, string) {
	p, _, dir := newTestProfile(t)
	f := &fakeFetcher{dir: dir, pending: map[string]bool{}}
	for _, n := range names {
		put(t, dir, n, strings.Repeat("\x00", 10))
		f.pending[n] = true
	}
	p.SetFetcher(f, 100*time.Millisecond)
	return p, f, dir
}

func TestOpenFetchesPlaceholders(t *testing.T) {
	p, f, _ := placeholders(t, "a", "b", "c", "d", "e")
	h, err := p.Open("a", os.O_RDONLY)
	must(t, err)
	buf := make([]byte, 64)
	n, _ := h.ReadAt(buf, 0)
	if string(buf[:n]) != "data of a" {
		t.Errorf("read %q after the fetch", buf[:n])
	}
	must(t, h.Release("a"))
	h, err = p.Open("b", os.O_WRONLY|os.O_TRUNC) // no data needed
	must(t, err)
	must(t, h.Release("b"))
	must(t, p.Unlink("c"))
	must(t, p.Rename("d", "d2", 0))
	_, err = p.Setattr("e", Attr{Mode: ptr(uint32(0o600))})
	must(t, err)
	want := "fetch a|forget b|forget c|move d d2|fetch e"
	if got := strings.Join(f.calls, "|"); got != want {
		t.Errorf("fetcher calls\n got %s\nwant %s", got, want)
	}
	if !f.Pending("d2") {
		t.Error("the placeholder did not move with the rename")
	}
}

// TestOpenFetchDeletedElsewhere: a placeholder whose server file another
// machine deleted before this one read it fails to open with ENOENT (as on
// a share), any other failure with EIO.
func TestOpenFetchDeletedElsewhere(t *testing.T) {
	p, f, _ := placeholders(t, "gone")
	f.fail = fmt.Errorf("fetch gone: no longer on the server copy (%w)", fs.ErrNotExist)
	if _, err := p.Open("gone", os.O_RDONLY); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("open of a placeholder deleted on the server: %v, want ENOENT", err)
	}
	f.fail = errors.New("connection refused")
	if _, err := p.Open("gone", os.O_RDONLY); !errors.Is(err, syscall.EIO) {
		t.Fatalf("open of a placeholder the server cannot give: %v, want EIO", err)
	}
}

// TestOpenFetchTimeout: an open of a placeholder the fetcher cannot bring in
// time fails with EIO; stat answers meanwhile.
func TestOpenFetchTimeout(t *testing.T) {
	p, f, _ := placeholders(t, "slow")
	f.block = make(chan struct{})
	start := time.Now()
	_, err := p.Open("slow", os.O_RDONLY)
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("open of an unfetchable placeholder: %v, want EIO", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
		t.Errorf("gave up after %v, want the 100ms bound", d)
	}
	if st, err := p.Lstat("slow"); err != nil || st.Size != 10 {
		t.Errorf("stat of a placeholder: %v, size %d", err, st.Size)
	}
	close(f.block)
	h, err := p.Open("slow", os.O_RDONLY)
	must(t, err)
	must(t, h.Release("slow"))
	if fetchFailedEvent != event.FetchFailed {
		t.Errorf("overlay's FetchFailed id %d, event table's %d", fetchFailedEvent, event.FetchFailed)
	}
}

func ptr[T any](v T) *T { return &v }
