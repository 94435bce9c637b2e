package overlay

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpenFilesTracking: what a write-back round and a live pull ask the
// overlay: which files are open for writing, which were written since a
// generation (also under another name: a rename while open), and whether a
// name may be replaced now (Exclusive refuses an open file and holds opens
// of the name back while it runs).
func TestOpenFilesTracking(t *testing.T) {
	p, _, dir := newTestProfile(t)
	put(t, dir, "Documents/a.txt", "a")
	put(t, dir, "Documents/b.txt", "b")

	gen := p.WriteGen()
	if p.OpenForWrite("Documents/a.txt") || p.WrittenSince("Documents/a.txt", gen) {
		t.Fatal("a file nobody opened reads as open or written")
	}
	r, err := p.Open("Documents/a.txt", os.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	if p.OpenForWrite("Documents/a.txt") {
		t.Error("a file open for reading reads as open for writing")
	}
	if ok, err := p.Exclusive("Documents/a.txt", func() error { t.Error("Exclusive ran on an open file"); return nil }); ok || err != nil {
		t.Errorf("Exclusive on a file open for reading: %v, %v; want refused", ok, err)
	}
	if err := r.Release("Documents/a.txt"); err != nil {
		t.Fatal(err)
	}

	w, err := p.Open("Documents/a.txt", os.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	if !p.OpenForWrite("Documents/a.txt") || !p.WrittenSince("Documents/a.txt", gen) {
		t.Error("a file open for writing is not reported so")
	}
	// Renamed while open: the file is still known by its new name.
	if err := p.Rename("Documents/a.txt", "Documents/c.txt", 0); err != nil {
		t.Fatal(err)
	}
	if !p.OpenForWrite("Documents/c.txt") {
		t.Error("a file renamed while open for writing is not open under its new name")
	}
	if err := w.Release("Documents/c.txt"); err != nil {
		t.Fatal(err)
	}
	if p.OpenForWrite("Documents/c.txt") {
		t.Error("still open for writing after its release")
	}
	if !p.WrittenSince("Documents/c.txt", gen) {
		t.Error("a file opened for writing since gen does not read as written since")
	}
	if p.WrittenSince("Documents/b.txt", gen) {
		t.Error("an untouched file reads as written since gen")
	}

	// Exclusive holds an open of the name back until it returns.
	opened := make(chan error, 1)
	ran, err := p.Exclusive("Documents/b.txt", func() error {
		go func() {
			h, err := p.Open("Documents/b.txt", os.O_RDONLY)
			if err == nil {
				err = h.Release("Documents/b.txt")
			}
			opened <- err
		}()
		select {
		case err := <-opened:
			t.Errorf("an open went through while Exclusive held the name (%v)", err)
		case <-time.After(100 * time.Millisecond):
		}
		return os.WriteFile(filepath.Join(dir, "Documents/b.txt"), []byte("replaced"), 0o644)
	})
	if !ran || err != nil {
		t.Fatalf("Exclusive on a closed file: %v, %v", ran, err)
	}
	select {
	case err := <-opened:
		if err != nil {
			t.Errorf("the held-back open: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the open held back by Exclusive never went through")
	}
}
