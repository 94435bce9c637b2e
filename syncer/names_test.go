package syncer

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"roamfs/journal"
	"roamfs/policy"
)

// TestLogonWindowsNameIdentity: the merge pairs names as NTFS (and the
// mount) does. "İ" and "i" are two files to Windows, and "ſ" and "s" too, so
// both of each come down; "φάκελος" and "φάκελοσ" are one name spelled twice
// (the final sigma upper-cases to Σ), so neither is touched.
func TestLogonWindowsNameIdentity(t *testing.T) {
	server := filepath.Join(t.TempDir(), "server")
	for _, n := range []string{"i.txt", "İ.txt", "s.txt", "ſ.txt", "φάκελος.txt", "φάκελοσ.txt"} {
		if err := os.MkdirAll(server, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(server, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := newMachine(t, "A", server, nil)
	m.logon()
	got := tree(t, m.dir)
	for _, n := range []string{"i.txt", "İ.txt", "s.txt", "ſ.txt"} {
		if got[n] != n {
			t.Errorf("%s not brought down: %v", n, got)
		}
	}
	for _, n := range []string{"φάκελος.txt", "φάκελοσ.txt"} {
		if _, ok := got[n]; ok {
			t.Errorf("%s brought down, want both spellings of one name left untouched", n)
		}
	}
}

// TestRekeyBases: bases an earlier version stored under strings.ToLower keys
// move to winname keys once, so a pending change still finds its base.
func TestRekeyBases(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(filepath.Join(dir, "journal"), journal.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	b := journal.Base{Kind: journal.KindFile, Size: 3, MTime: time.Unix(1700000000, 0), Mode: 0o644}
	newer := b
	newer.Size = 4
	old := map[string]journal.Base{
		"desktop/a.txt": b, // ASCII: the same key then and now
		"φάκελος/a.txt": b, // ToLower kept the final sigma; the key now has σ
		"φάκελοσ/b.txt": newer,
		"φάκελος/b.txt": b, // both spellings stored: the one under the key wins
	}
	if err := j.SetBases(old, nil); err != nil {
		t.Fatal(err)
	}
	sy, err := New(Config{ProfileDir: filepath.Join(dir, "profile"), Journal: j, Store: nil, Policy: policy.Default()})
	if err != nil {
		t.Fatal(err)
	}
	defer sy.Close()
	got := map[string]int64{}
	j.Bases("", func(p string, b journal.Base) error { got[p] = b.Size; return nil })
	want := map[string]int64{"desktop/a.txt": 3, "φάκελοσ/a.txt": 3, "φάκελοσ/b.txt": 4}
	if len(got) != len(want) {
		t.Fatalf("bases %v, want %v", got, want)
	}
	for p, size := range want {
		if got[p] != size {
			t.Errorf("base %q: size %d, want %d (all: %v)", p, got[p], size, got)
		}
	}
	// Once done, never again: a base under any key stays where it is.
	if err := j.SetBases(map[string]journal.Base{"φάκελος/c.txt": b}, nil); err != nil {
		t.Fatal(err)
	}
	sy2, err := New(Config{ProfileDir: filepath.Join(dir, "profile"), Journal: j, Policy: policy.Default()})
	if err != nil {
		t.Fatal(err)
	}
	defer sy2.Close()
	if _, ok, _ := j.Base("φάκελος/c.txt"); !ok {
		t.Error("a second New re-keyed again")
	}
}
