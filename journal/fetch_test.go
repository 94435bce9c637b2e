package journal

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestUnfetchedSurvivesReopen: marks are written, replaced, deleted, counted,
// and survive a close and reopen; the bases are not touched.
func TestUnfetchedSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	mt := time.Unix(1700000000, 123456789)
	a := Unfetched{Path: "Documents/a.txt", ServerPath: "Documents/A.txt", Size: 10, MTime: mt, Mode: 0o644}
	b := Unfetched{Path: "b", ServerPath: "b", Size: 5, MTime: mt, Mode: 0o600}
	c := Unfetched{Path: "c", ServerPath: "c", Size: 1 << 40, MTime: mt, Mode: 0o600}
	if err := j.SetUnfetched(map[string]Unfetched{"DOCUMENTS/A.TXT": a, "B": b, "C": c}, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.SetUnfetched(map[string]Unfetched{"B": b}, []string{"C", "B"}); err != nil {
		t.Fatal(err) // B in both: stored
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openTest(t, dir)
	got := map[string]Unfetched{}
	if err := j.EachUnfetched(func(k string, u Unfetched) error { got[k] = u; return nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string]Unfetched{"DOCUMENTS/A.TXT": a, "B": b}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, w := range want {
		g := got[k]
		if !g.MTime.Equal(w.MTime) {
			t.Errorf("%s: mtime %v, want %v", k, g.MTime, w.MTime)
		}
		g.MTime = w.MTime
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %+v, want %+v", k, g, w)
		}
	}
	n, bytes, err := j.CountUnfetched()
	if err != nil || n != 2 || bytes != 15 {
		t.Errorf("CountUnfetched = %d, %d, %v; want 2, 15", n, bytes, err)
	}
	found := false
	j.Bases("", func(string, Base) error { found = true; return nil })
	if found {
		t.Error("marks showed up as bases")
	}
}

func TestUnfetchedDecodeRefusesGarbage(t *testing.T) {
	good := encodeUnfetched(Unfetched{Path: "p", ServerPath: "p", Size: 3, MTime: time.Unix(1, 0), Mode: 0o644})
	for i := range len(good) {
		if _, err := decodeUnfetched(good[:i]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d bytes: err %v, want ErrCorrupt", i, err)
		}
	}
	if _, err := decodeUnfetched(append([]byte{9}, good[1:]...)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("unknown format: %v", err)
	}
}
