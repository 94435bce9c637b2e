package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"roamfs/journal"
	"roamfs/policy"
)

// These tests run under whichever backend the build has: plain `go test` for
// the Linux one, `-tags roamfs_portable` for the portable one.

// memJournal keeps records in memory; fail makes the next appends fail.
type memJournal struct {
	mu   sync.Mutex
	recs []journal.Record
	fail error
}

func (j *memJournal) Append(recs ...journal.Record) ([]journal.Record, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		return nil, j.fail
	}
	j.recs = append(j.recs, recs...)
	return recs, nil
}

// ops lists the records as "op path[<old] size".
func (j *memJournal) ops() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, r := range j.recs {
		s := fmt.Sprintf("%s %s", r.Op, r.Path)
		if r.OldPath != "" {
			s += "<" + r.OldPath
		}
		out = append(out, fmt.Sprintf("%s %d", s, r.Size))
	}
	return out
}

func (j *memJournal) reset() {
	j.mu.Lock()
	j.recs = nil
	j.mu.Unlock()
}

// newTestProfile is a profile over an empty temporary cache.
func newTestProfile(t *testing.T) (*Profile, *memJournal, string) {
	t.Helper()
	dir := t.TempDir()
	j := &memJournal{}
	p, err := New(dir, j, policy.Default(), "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p, j, dir
}

// put writes a file into the cache directly, behind the profile's back.
func put(t *testing.T, dir, rel, data string) {
	t.Helper()
	name := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantOps(t *testing.T, j *memJournal, want ...string) {
	t.Helper()
	got := j.ops()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("journal:\n got  %q\n want %q", got, want)
	}
	j.reset()
}

var errDisk = errors.New("journal disk failed")
