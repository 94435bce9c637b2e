package syncer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
	"roamfs/store/storetest"
)

// machine is one cache over a shared server directory, driven without FUSE:
// changes are made to the cache files and journaled the way the overlay does.
type machine struct {
	t      *testing.T
	name   string
	dir    string // cache profile
	j      *journal.Journal
	server *storetest.Faulty
	sy     *Syncer
	clock  time.Time
}

func newMachine(t *testing.T, name, serverDir string, pol *policy.Policy) *machine {
	t.Helper()
	root := t.TempDir()
	j, err := journal.Open(filepath.Join(root, "journal"), journal.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	d, err := store.OpenDir(serverDir, true)
	if err != nil {
		t.Fatal(err)
	}
	m := &machine{t: t, name: name, dir: filepath.Join(root, "profile"), j: j, server: storetest.NewFaulty(d),
		clock: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	if pol == nil {
		pol = policy.Default()
	}
	m.sy, err = New(Config{ProfileDir: m.dir, Journal: j, Store: m.server, Policy: pol, Host: name, Session: name, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.sy.Close() })
	return m
}

// tick gives every write a distinct, increasing mtime.
func (m *machine) tick() time.Time {
	m.clock = m.clock.Add(time.Minute)
	return m.clock
}

func (m *machine) record(op journal.Op, p, old string) {
	m.t.Helper()
	if _, err := m.j.Append(journal.Record{Op: op, Path: p, OldPath: old, Session: m.name}); err != nil {
		m.t.Fatal(err)
	}
}

func (m *machine) write(p, content string) {
	m.t.Helper()
	full := filepath.Join(m.dir, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		m.t.Fatal(err)
	}
	at := m.tick()
	os.Chtimes(full, at, at)
	m.record(journal.OpWrite, p, "")
}

func (m *machine) remove(p string) {
	m.t.Helper()
	if err := os.RemoveAll(filepath.Join(m.dir, p)); err != nil {
		m.t.Fatal(err)
	}
	m.record(journal.OpUnlink, p, "")
}

func (m *machine) rename(from, to string) {
	m.t.Helper()
	if err := os.Rename(filepath.Join(m.dir, from), filepath.Join(m.dir, to)); err != nil {
		m.t.Fatal(err)
	}
	m.record(journal.OpRename, to, from)
}

func (m *machine) logon() LogonResult {
	m.t.Helper()
	r, err := m.sy.Logon(context.Background())
	if err != nil {
		m.t.Fatalf("%s logon: %v", m.name, err)
	}
	return r
}

func (m *machine) logoff() Result {
	m.t.Helper()
	r, err := m.sy.Logoff(context.Background())
	if err != nil {
		m.t.Fatalf("%s logoff: %v", m.name, err)
	}
	return r
}

// tree lists a directory as path → content digest ("dir" for folders, "->
// target" for symlinks), leaving out roamfs' own metadata.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." || isOwnServerFile(rel) {
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case d.IsDir():
			out[rel] = "dir"
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if len(data) < 40 {
				out[rel] = string(data)
			} else {
				h := sha256.Sum256(data)
				out[rel] = hex.EncodeToString(h[:8])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffTrees(a, b map[string]string) []string {
	var d []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			d = append(d, "only in first: "+k)
		} else if v != w {
			d = append(d, k+": "+v+" vs "+w)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "only in second: "+k)
		}
	}
	return d
}

func hasTemp(tr map[string]string) bool {
	for k := range tr {
		if strings.Contains(filepath.Base(k), store.TempPrefix) {
			return true
		}
	}
	return false
}
