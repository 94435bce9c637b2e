package syncer

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
)

// BenchmarkLogonNamespace: a logon's merge plan (server listing, cache walk,
// bases, decisions) for a first logon at 10,000 / 50,000 / 100,000 files,
// from the profile index and from a walk. Run with
// `go test -run x -bench LogonNamespace -benchtime 3x ./syncer`.
func BenchmarkLogonNamespace(b *testing.B) {
	for _, n := range []int{10_000, 50_000, 100_000} {
		sy, server := indexBenchSyncer(b, n)
		for _, useIndex := range []bool{true, false} {
			name := fmt.Sprintf("files=%d/walk", n)
			if useIndex {
				name = fmt.Sprintf("files=%d/index", n)
			}
			b.Run(name+"/list", func(b *testing.B) {
				for range b.N {
					got := 0
					used, err := sy.listServer(context.Background(), useIndex, func(string, Version) { got++ })
					if err != nil || used != useIndex || got < n {
						b.Fatalf("used index %v, %d entries, %v", used, got, err)
					}
				}
			})
			b.Run(name+"/plan", func(b *testing.B) {
				// The walk's syncer finds no index on the server.
				ps := sy
				if !useIndex {
					ps = benchSyncer(b, server, func(s store.Store) store.Store { return hideIndex{s} })
				}
				for range b.N {
					pd, err := ps.loadPending()
					if err != nil {
						b.Fatal(err)
					}
					steps, err := ps.planLogon(context.Background(), pd, &LogonResult{})
					if err != nil || len(steps) < n {
						b.Fatalf("%d steps, %v", len(steps), err)
					}
				}
			})
		}
	}
}

// indexBenchSyncer: a server copy of n files, 100 to a folder, four levels
// deep under the usual top-level folders, with an index; an empty cache.
func indexBenchSyncer(b *testing.B, n int) (*Syncer, string) {
	root := b.TempDir()
	server := filepath.Join(root, "server")
	tops := []string{"AppData/Roaming", "Desktop", "Documents", "Pictures", "Music"}
	for i := range n {
		k := i / 100
		dir := filepath.Join(server, tops[k%len(tops)], fmt.Sprintf("d%d", k/10), fmt.Sprintf("e%d", k))
		if i%100 == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%06d.txt", i)), []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	sy := benchSyncer(b, server, nil)
	if err := sy.RefreshIndex(context.Background()); err != nil {
		b.Fatal(err)
	}
	return sy, server
}

// benchSyncer: a syncer with an empty cache over server, its store wrapped
// by wrap when given.
func benchSyncer(b *testing.B, server string, wrap func(store.Store) store.Store) *Syncer {
	root := b.TempDir()
	j, err := journal.Open(filepath.Join(root, "journal"), journal.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	var d store.Store
	if d, err = store.OpenDir(server, true); err != nil {
		b.Fatal(err)
	}
	if wrap != nil {
		d = wrap(d)
	}
	sy, err := New(Config{ProfileDir: filepath.Join(root, "profile"), Journal: j, Store: d, Policy: policy.Default(), Host: "b", Session: "b"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sy.Close() })
	return sy
}

// hideIndex is a server copy whose index cannot be read.
type hideIndex struct{ store.Store }

func (h hideIndex) Open(ctx context.Context, rel string) (io.ReadCloser, store.Info, error) {
	if rel == IndexName {
		return nil, store.Info{}, fs.ErrNotExist
	}
	return h.Store.Open(ctx, rel)
}
