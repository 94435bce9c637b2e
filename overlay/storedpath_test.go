package overlay

import (
	"errors"
	"io/fs"
	"testing"
)

func TestStoredPath(t *testing.T) {
	p, _, dir := newTestProfile(t)
	put(t, dir, "Desktop/Notes.txt", "")
	put(t, dir, "Two/x", "")
	put(t, dir, "Two/X", "")
	put(t, dir, "Two/ab", "")
	put(t, dir, "Two/AB", "")
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"Desktop/Notes.txt", "Desktop/Notes.txt"},
		{"desktop/NOTES.TXT", "Desktop/Notes.txt"},
		{"DESKTOP", "Desktop"},
		{"two/X", "Two/X"}, // exact beats folded
		{"two/x", "Two/x"},
	} {
		got, err := p.StoredPath(c.in)
		if err != nil || got != c.want {
			t.Errorf("StoredPath(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"missing", "Desktop/none", "Desktop/Notes.txt/x"} {
		if got, err := p.StoredPath(in); err == nil {
			t.Errorf("StoredPath(%q) = %q, want an error", in, got)
		}
	}
	if _, err := p.StoredPath("Two/Ab"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ambiguous name: %v, want not found", err)
	}
}

// TestStoredPathWindowsIdentity: the mount finds a name by Windows' rule
// (winname), the one the syncer merges by, not by Unicode case folding.
func TestStoredPathWindowsIdentity(t *testing.T) {
	p, _, dir := newTestProfile(t)
	put(t, dir, "Φάκελος/a", "")
	put(t, dir, "ſ", "")
	put(t, dir, "İ", "")
	if got, err := p.StoredPath("ΦΆΚΕΛΟΣ/A"); err != nil || got != "Φάκελος/a" {
		t.Errorf("final sigma: %q, %v; want Φάκελος/a", got, err)
	}
	for _, in := range []string{"s", "S", "i", "I"} {
		if got, err := p.StoredPath(in); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("StoredPath(%q) = %q, %v; want not found (ſ and İ are other names to Windows)", in, got, err)
		}
	}
}
