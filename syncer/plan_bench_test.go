package syncer

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
)

// BenchmarkPlanLogoff plans a logoff of a session that journaled many
// records over few paths, some of them deep (stress-ng's dirdeep leaves paths
// hundreds of components long): the plan's cost must follow the distinct
// paths, not the record count, and a deep path must not cost d² lookups.
func BenchmarkPlanLogoff(b *testing.B) {
	for _, c := range []struct{ records, depth int }{{100_000, 4}, {100_000, 400}} {
		b.Run(fmt.Sprintf("records=%d/depth=%d", c.records, c.depth), func(b *testing.B) {
			sy := planBenchSyncer(b, c.records, c.depth)
			b.ResetTimer()
			for range b.N {
				plan, err := sy.PlanLogoff(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if len(plan.Steps) == 0 {
					b.Fatal("empty plan")
				}
			}
		})
	}
}

// planBenchSyncer: 1,000 files written over and over (records in all), a
// tenth of them under one folder chain depth deep.
func planBenchSyncer(b *testing.B, records, depth int) *Syncer {
	root := b.TempDir()
	prof := filepath.Join(root, "profile")
	j, err := journal.Open(filepath.Join(root, "journal"), journal.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	d, err := store.OpenDir(filepath.Join(root, "server"), true)
	if err != nil {
		b.Fatal(err)
	}
	sy, err := New(Config{ProfileDir: prof, Journal: j, Store: d, Policy: policy.Default(), Host: "b", Session: "b"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sy.Close() })
	deep := strings.TrimSuffix(strings.Repeat("deep/", depth), "/")
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = fmt.Sprintf("Documents/d%02d/f%04d", i%50, i)
		if i%10 == 0 {
			paths[i] = path.Join("Documents", deep, fmt.Sprintf("f%04d", i))
		}
		full := filepath.Join(prof, filepath.FromSlash(paths[i]))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(paths[i]), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	batch := make([]journal.Record, 0, 1000)
	for n := range records {
		batch = append(batch, journal.Record{Op: journal.OpWrite, Path: paths[n%len(paths)], Session: "b"})
		if len(batch) == cap(batch) || n == records-1 {
			if _, err := j.Append(batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return sy
}
