package main

// One simulated user's machine: a cache directory and its journal, driven
// through the syncer's API without FUSE (as the syncer's own tests do):
// changes are made to the cache files and journaled the way the overlay
// journals them. 100 real FUSE mounts at once are too heavy for a small
// machine; what the storm measures is the server side of logon and logoff,
// which this path exercises in full.

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
	"roamfs/store/storetest"
	"roamfs/syncer"
)

// counter counts store calls (every Stat, Walk, Open, Put, Mkdir, Remove,
// SetTimes... that reaches the server) through storetest.Faulty's hook,
// which wraps a store unchanged (optional interfaces are found by Unwrap),
// and the conditional calls (StatTag, PutIf) of a store that has them.
type counter struct{ n atomic.Int64 }

func (c *counter) wrap(s store.Store) store.Store {
	f := storetest.NewFaulty(s)
	f.FailOn(func(string, string) error { c.n.Add(1); return nil })
	if cs, ok := s.(store.Conditional); ok {
		return &countedConditional{Faulty: f, c: cs, n: &c.n}
	}
	return f
}

// countedConditional is the wrapper of a store with conditional writes (S3):
// only such a store may look Conditional, or the syncer would take a
// directory for one.
type countedConditional struct {
	*storetest.Faulty
	c store.Conditional
	n *atomic.Int64
}

func (w *countedConditional) StatTag(ctx context.Context, rel string) (store.Info, string, error) {
	w.n.Add(1)
	return w.c.StatTag(ctx, rel)
}

func (w *countedConditional) PutIf(ctx context.Context, rel string, r io.Reader, size int64, mode fs.FileMode, mtime time.Time, tag string) (string, error) {
	w.n.Add(1)
	return w.c.PutIf(ctx, rel, r, size, mode, mtime, tag)
}

// machine is one user's machine for one session.
type machine struct {
	user  int
	dir   string // the cache
	j     *journal.Journal
	sy    *syncer.Syncer
	calls counter
	st    store.Store
}

func openMachine(ctx context.Context, b *backend, work string, user int, durable bool) (*machine, error) {
	m := &machine{user: user, dir: filepath.Join(work, "caches", fmt.Sprintf("%s-%d", userName(user), rand.Int64()))}
	var err error
	if m.j, err = journal.Open(filepath.Join(m.dir, "journal"), journal.Options{NoSync: !durable}); err != nil {
		return nil, err
	}
	st, err := b.open(ctx, user)
	if err != nil {
		m.j.Close()
		return nil, fmt.Errorf("open %s: %w", userName(user), err)
	}
	m.st = st
	name := fmt.Sprintf("pc%04d", user)
	m.sy, err = syncer.New(syncer.Config{ProfileDir: filepath.Join(m.dir, "profile"), Journal: m.j, Store: m.calls.wrap(st),
		Policy: policy.Default(), Host: name, Session: name})
	if err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

func (m *machine) close() {
	if m.sy != nil {
		m.sy.Close()
	}
	m.j.Close()
	if c, ok := m.st.(io.Closer); ok {
		c.Close()
	}
	os.RemoveAll(m.dir)
}

func (m *machine) write(rel string, data []byte) error {
	p := filepath.Join(m.dir, "profile", rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return err
	}
	_, err := m.j.Append(journal.Record{Op: journal.OpWrite, Path: rel, Session: fmt.Sprintf("pc%04d", m.user)})
	return err
}

func (m *machine) remove(rel string) error {
	if err := os.Remove(filepath.Join(m.dir, "profile", rel)); err != nil {
		return err
	}
	_, err := m.j.Append(journal.Record{Op: journal.OpUnlink, Path: rel, Session: fmt.Sprintf("pc%04d", m.user)})
	return err
}

// profileFile is the i-th file of every simulated profile: small settings
// and documents, as most of a profile is.
func profileFile(i int) string {
	dirs := []string{"AppData/Roaming/App", "Documents", "Desktop", "AppData/Roaming/Microsoft/Signatures", "Favorites"}
	return fmt.Sprintf("%s/f%05d.dat", dirs[i%len(dirs)], i)
}

func content(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

// seed creates user's profile on the server: one session on an empty
// server (the default profile), files written, logoff. Untimed.
func seed(ctx context.Context, b *backend, work string, user, files int) error {
	m, err := openMachine(ctx, b, work, user, false)
	if err != nil {
		return err
	}
	defer m.close()
	if _, err := m.sy.Logon(ctx); err != nil {
		return fmt.Errorf("seed %s: logon: %w", userName(user), err)
	}
	rng := rand.New(rand.NewPCG(uint64(user), 1))
	for i := 0; i < files; i++ {
		if err := m.write(profileFile(i), content(rng, 1024+rng.IntN(8192))); err != nil {
			return err
		}
	}
	if _, err := m.sy.Logoff(ctx); err != nil {
		return fmt.Errorf("seed %s: logoff: %w", userName(user), err)
	}
	return nil
}
