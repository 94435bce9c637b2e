//go:build linux

// Package fstest is roamfs' one POSIX conformance suite for its FUSE front
// ends: the behaviour a desktop session needs from the mounted profile,
// checked through a real mount, plus the journal records each operation must
// leave. Every front end runs the same cases (one suite, many targets):
//
//	fstest.Run(t, func(t *testing.T) (string, *overlay.Profile) {
//		p := fstest.NewProfile(t)
//		mnt := t.TempDir()
//		// mount p at mnt, and register the unmount with fstest.Unmount
//		return mnt, p
//	})
//
// Each case gets a fresh mount. The profile must come from NewProfile: the
// suite owns its journal and reads the records back from it.
//
// A target that cannot do some optional things (the portable overlay backend
// has no xattrs) declares what it can with RunCaps; each case that needs an
// undeclared capability then checks the target's "not supported" answer
// instead, or is skipped by name.
package fstest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"roamfs/journal"
	"roamfs/overlay"
	"roamfs/policy"
)

// Session tags the journal records of profiles made by NewProfile.
const Session = "test-session"

// Mount mounts a profile made with NewProfile and returns the mount point.
// It must unmount in t.Cleanup.
type Mount func(t *testing.T) (mnt string, p *overlay.Profile)

// A case is one behaviour, checked on a fresh mount.
type testCase struct {
	name string
	fn   func(t *testing.T, e *env)
}

// Run runs every case against mounts made by mount, a target with every
// capability.
func Run(t *testing.T, mount Mount) { RunCaps(t, AllCaps, mount) }

// RunCaps runs every case against mounts made by mount, a target that can do
// what caps declares.
func RunCaps(t *testing.T, caps Caps, mount Mount) {
	var cases []testCase
	cases = append(cases, fileCases...)
	cases = append(cases, dirCases...)
	cases = append(cases, metaCases...)
	cases = append(cases, permCases...)
	cases = append(cases, cacheCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mnt, p := mount(t)
			r, ok := journals.Load(p)
			if !ok {
				t.Fatal("fstest: the profile was not made by fstest.NewProfile")
			}
			e := &env{mnt: mnt, p: p, j: r.(*recorder), caps: caps}
			c.fn(t, e)
			e.checkRecords(t)
		})
	}
}

// journals maps each profile made by NewProfile to its journal.
var journals sync.Map // *overlay.Profile -> *recorder

// NewProfile makes an empty profile in a temporary cache with a real journal
// (no fsync: tests) and the default policy. Both are closed in t.Cleanup,
// after the cleanups registered later (the unmount) have run.
func NewProfile(t *testing.T) *overlay.Profile {
	t.Helper()
	j, err := journal.Open(t.TempDir(), journal.Options{NoSync: true})
	if err != nil {
		t.Fatalf("open journal: %v", err)
	}
	t.Cleanup(func() {
		if err := j.Close(); err != nil {
			t.Errorf("close journal: %v", err)
		}
	})
	r := &recorder{j: j, changed: make(chan struct{})}
	p, err := overlay.New(t.TempDir(), r, policy.Default(), Session, nil)
	if err != nil {
		t.Fatalf("new profile: %v", err)
	}
	journals.Store(p, r)
	t.Cleanup(func() {
		journals.Delete(p)
		if err := p.Close(); err != nil {
			t.Errorf("close profile: %v", err)
		}
	})
	return p
}

// recorder is the journal the suite owns: it tells waiters when a record was
// appended, since some records (the final size at release) come after the
// system call that caused them has returned.
type recorder struct {
	j *journal.Journal

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at each append
}

func (r *recorder) Append(recs ...journal.Record) ([]journal.Record, error) {
	out, err := r.j.Append(recs...)
	r.mu.Lock()
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	return out, err
}

func (r *recorder) records(t *testing.T) []journal.Record {
	t.Helper()
	var recs []journal.Record
	if err := r.j.Scan(true, func(rec journal.Record) error {
		recs = append(recs, rec)
		return nil
	}); err != nil {
		t.Fatalf("scan journal: %v", err)
	}
	return recs
}

// recordWait bounds the wait for a record that the kernel sends after the
// system call returned (RELEASE is asynchronous).
const recordWait = 10 * time.Second

// wait returns the first record matching want, waiting for appends until
// recordWait has passed.
func (r *recorder) wait(t *testing.T, what string, want func(journal.Record) bool) journal.Record {
	t.Helper()
	deadline := time.NewTimer(recordWait)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		recs := r.records(t)
		for _, rec := range recs {
			if want(rec) {
				return rec
			}
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("journal has no %s record after %v; it has:\n%s", what, recordWait, dump(recs))
		}
	}
}

func dump(recs []journal.Record) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "\t%d %s %q old=%q size=%d session=%q\n", r.Seq, r.Op, r.Path, r.OldPath, r.Size, r.Session)
	}
	return b.String()
}
