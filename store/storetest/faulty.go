// Package storetest is the test kit for code that uses the server copy
// (store.Store), kept out of the product build: Faulty, a decorator that fails
// operations on demand, for the reliability tests.
package storetest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"roamfs/store"
)

// Faulty wraps a Store and makes it fail on demand: the reliability tests use it
// to cut a logoff off after its k-th server operation, as a crash or a lost
// connection would, and then check that the next sync completes it. Safe for
// concurrent use.
type Faulty struct {
	store.Store

	mu        sync.Mutex
	ops       int // mutating operations that succeeded
	inflight  int // mutating operations admitted and not yet finished
	failAfter int // < 0: off
	failErr   error
	failOn    func(op, rel string) error
}

var (
	_ store.Store        = (*Faulty)(nil)
	_ store.FolderOpener = (*Faulty)(nil)
)

// NewFaulty wraps s; it fails nothing until told to.
func NewFaulty(s store.Store) *Faulty {
	return &Faulty{Store: s, failAfter: -1}
}

// FailAfter lets n more mutating operations (Put, Mkdir, Symlink, Remove,
// SetTimes), counted from the start, succeed; every operation after them, reads
// included, returns err wrapped with the operation and the path. Operations running
// concurrently are admitted only while fewer than n have succeeded or are in
// flight, so no more than n ever succeed. n < 0 or a nil err turns it off.
func (f *Faulty) FailAfter(n int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n < 0 || err == nil {
		n, err = -1, nil
	}
	f.failAfter, f.failErr = n, err
}

// FailOn calls fn before every operation with its name (store.OpPut...) and path;
// a non-nil result fails the operation, wrapped with the operation and the path,
// without calling the wrapped Store. nil turns it off.
func (f *Faulty) FailOn(fn func(op, rel string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failOn = fn
}

// Ops returns how many mutating operations have succeeded.
func (f *Faulty) Ops() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ops
}

// admit decides whether an operation may run. A mutating one that may is counted
// in flight until done reports how it ended.
func (f *Faulty) admit(op, rel string, mutating bool) error {
	f.mu.Lock()
	failOn := f.failOn
	used := f.ops
	if mutating {
		used += f.inflight
	}
	if f.failAfter >= 0 && used >= f.failAfter {
		err := f.failErr
		f.mu.Unlock()
		return fmt.Errorf("faulty store: %s %q after %d operations: %w", op, rel, f.failAfter, err)
	}
	if mutating {
		f.inflight++
	}
	f.mu.Unlock()

	// fn runs unlocked: it may call Ops or FailAfter.
	if failOn != nil {
		if err := failOn(op, rel); err != nil {
			if mutating {
				f.done(err)
			}
			return fmt.Errorf("faulty store: %s %q: %w", op, rel, err)
		}
	}
	return nil
}

// done ends a mutating operation admitted by admit.
func (f *Faulty) done(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if err == nil {
		f.ops++
	}
}

// mutate runs one mutating operation of the wrapped Store.
func (f *Faulty) mutate(op, rel string, do func() error) error {
	if err := f.admit(op, rel, true); err != nil {
		return err
	}
	err := do()
	f.done(err)
	return err
}

func (f *Faulty) Stat(ctx context.Context, rel string) (store.Info, error) {
	if err := f.admit(store.OpStat, rel, false); err != nil {
		return store.Info{}, err
	}
	return f.Store.Stat(ctx, rel)
}

func (f *Faulty) Walk(ctx context.Context, rel string, fn func(store.Info) error) error {
	if err := f.admit(store.OpWalk, rel, false); err != nil {
		return err
	}
	return f.Store.Walk(ctx, rel, fn)
}

// ListNames implements store.NameLister: admitted as the Walk it replaces.
func (f *Faulty) ListNames(ctx context.Context, rel string) ([]string, error) {
	if err := f.admit(store.OpWalk, rel, false); err != nil {
		return nil, err
	}
	return store.ListNames(ctx, f.Store, rel)
}

func (f *Faulty) Open(ctx context.Context, rel string) (io.ReadCloser, store.Info, error) {
	if err := f.admit(store.OpOpen, rel, false); err != nil {
		return nil, store.Info{}, err
	}
	return f.Store.Open(ctx, rel)
}

// PutVia implements store.Store.
func (f *Faulty) PutVia(ctx context.Context, rel, tmp string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	return f.mutate(store.OpPut, rel, func() error { return f.Store.PutVia(ctx, rel, tmp, r, mode, mtime) })
}

func (f *Faulty) Put(ctx context.Context, rel string, r io.Reader, mode fs.FileMode, mtime time.Time) error {
	return f.mutate(store.OpPut, rel, func() error { return f.Store.Put(ctx, rel, r, mode, mtime) })
}

func (f *Faulty) Mkdir(ctx context.Context, rel string, mode fs.FileMode) error {
	return f.mutate(store.OpMkdir, rel, func() error { return f.Store.Mkdir(ctx, rel, mode) })
}

func (f *Faulty) Symlink(ctx context.Context, target, rel string) error {
	return f.mutate(store.OpSymlink, rel, func() error { return f.Store.Symlink(ctx, target, rel) })
}

func (f *Faulty) Remove(ctx context.Context, rel string) error {
	return f.mutate(store.OpRemove, rel, func() error { return f.Store.Remove(ctx, rel) })
}

func (f *Faulty) SetTimes(ctx context.Context, rel string, mtime time.Time) error {
	return f.mutate(store.OpSetTimes, rel, func() error { return f.Store.SetTimes(ctx, rel, mtime) })
}

// CleanTemp can be failed but is not counted: it repairs, it does not apply a change.
func (f *Faulty) CleanTemp(ctx context.Context) (int, error) {
	if err := f.admit(store.OpCleanTemp, "", false); err != nil {
		return 0, err
	}
	return f.Store.CleanTemp(ctx)
}

// OpenFolder implements store.FolderOpener. Opening the folder reads nothing
// and is not an operation of its own: each Open in it is admitted like Open.
func (f *Faulty) OpenFolder(ctx context.Context, rel string) (store.Folder, error) {
	in, err := store.OpenFolder(ctx, f.Store, rel)
	if err != nil {
		return nil, err
	}
	return &faultyFolder{Folder: in, f: f, rel: rel}, nil
}

// faultyFolder is a folder held open through a Faulty.
type faultyFolder struct {
	store.Folder
	f   *Faulty
	rel string
}

// Open admits the Open of name as an Open of its full path, as a download
// that opens it by that path would be admitted.
func (ff *faultyFolder) Open(ctx context.Context, name string) (io.ReadCloser, store.Info, error) {
	rel := name
	if ff.rel != "" {
		rel = ff.rel + "/" + name
	}
	if err := ff.f.admit(store.OpOpen, rel, false); err != nil {
		return nil, store.Info{}, err
	}
	return ff.Folder.Open(ctx, name)
}

// Unwrap returns the Store f wraps (store.LimitsOf looks through it).
func (f *Faulty) Unwrap() store.Store { return f.Store }
