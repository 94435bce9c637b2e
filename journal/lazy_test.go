package journal

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestUnmaterializedMarks: folder marks are written, replaced, deleted, and
// survive a close and reopen; Materialized writes the bases and drops the
// folder's mark, leaving the other marks and the fetch marks alone.
func TestUnmaterializedMarks(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	a := Unmaterialized{Path: "Documents", ServerPath: "Documents", Files: 3, Bytes: 30, Entries: 5}
	b := Unmaterialized{Path: "Desktop/Sub", ServerPath: "Desktop/sub", Files: 1, Bytes: 1 << 40, Entries: 1}
	c := Unmaterialized{Path: "c", ServerPath: "c"}
	if err := j.SetUnmaterialized(map[string]Unmaterialized{"DOCUMENTS": a, "DESKTOP/SUB": b, "C": c}, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.SetUnmaterialized(map[string]Unmaterialized{"C": c}, []string{"C"}); err != nil {
		t.Fatal(err) // in both: stored
	}
	mt := time.Unix(1700000000, 5)
	f := Unfetched{Path: "Documents/x", ServerPath: "Documents/x", Size: 10, MTime: mt, Mode: 0o644}
	if err := j.SetUnfetched(map[string]Unfetched{"DOCUMENTS/X": f}, nil); err != nil {
		t.Fatal(err)
	}
	bases := map[string]Base{
		"DOCUMENTS/X":   {Kind: KindFile, Size: 10, MTime: mt, Mode: 0o644},
		"DOCUMENTS/SUB": {Kind: KindDir, Mode: 0o755},
	}
	if err := j.Materialized("DOCUMENTS", bases); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = openTest(t, dir)
	got := map[string]Unmaterialized{}
	if err := j.EachUnmaterialized(func(k string, u Unmaterialized) error { got[k] = u; return nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string]Unmaterialized{"DESKTOP/SUB": b, "C": c}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("marks %v, want %v", got, want)
	}
	for k, w := range bases {
		g, ok, err := j.Base(k)
		if err != nil || !ok || g.Kind != w.Kind || g.Size != w.Size || !g.MTime.Equal(w.MTime) || g.Mode != w.Mode {
			t.Errorf("base %s = %+v %v %v, want %+v", k, g, ok, err, w)
		}
	}
	if n, _, err := j.CountUnfetched(); err != nil || n != 1 {
		t.Errorf("fetch marks %d %v, want 1", n, err)
	}
}

// TestMaterializedRefusesBadBase: a bad base writes nothing, and the folder
// stays marked.
func TestMaterializedRefusesBadBase(t *testing.T) {
	j := openTest(t, "")
	if err := j.SetUnmaterialized(map[string]Unmaterialized{"D": {Path: "D", ServerPath: "D"}}, nil); err != nil {
		t.Fatal(err)
	}
	err := j.Materialized("D", map[string]Base{"D/X": {Kind: 99}})
	if err == nil {
		t.Fatal("a bad base was accepted")
	}
	n := 0
	j.EachUnmaterialized(func(string, Unmaterialized) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d marks, want the folder still marked", n)
	}
}

func TestUnmaterializedDecodeRefusesGarbage(t *testing.T) {
	good := encodeUnmaterialized(Unmaterialized{Path: "p", ServerPath: "p", Files: 3, Bytes: 9, Entries: 4})
	if u, err := decodeUnmaterialized(good); err != nil || u.Entries != 4 {
		t.Fatalf("round trip: %+v %v", u, err)
	}
	for i := range len(good) {
		if _, err := decodeUnmaterialized(good[:i]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d bytes: err %v, want ErrCorrupt", i, err)
		}
	}
	if _, err := decodeUnmaterialized(append([]byte{9}, good[1:]...)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("unknown format: %v", err)
	}
	bad := encodeUnmaterialized(Unmaterialized{Path: "p", ServerPath: "p", Files: -1})
	if _, err := decodeUnmaterialized(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("negative count: %v", err)
	}
}
