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
