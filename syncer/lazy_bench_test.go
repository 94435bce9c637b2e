package syncer

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
)

// BenchmarkLazyLogon: a whole streamed first logon (index read, plan,
// namespace written, folders created and marked) into an empty cache, with
// lazy folders and without, at 2,000 / 50,000 / 100,000 files. Run with
// `go test -run x -bench LazyLogon -benchtime 3x ./syncer`. Reports the
// bytes allocated per logon too (a bound on its heap).
func BenchmarkLazyLogon(b *testing.B) {
	for _, n := range []int{2_000, 50_000, 100_000} {
		_, server := indexBenchSyncer(b, n)
		for _, lazy := range []bool{true, false} {
			if !lazy && n > 50_000 {
				continue
			}
			b.Run(fmt.Sprintf("files=%d/lazy=%v", n, lazy), func(b *testing.B) {
				var took time.Duration
				var alloc uint64
				for range b.N {
					b.StopTimer()
					root := b.TempDir()
					j, err := journal.Open(filepath.Join(root, "journal"), journal.Options{})
					if err != nil {
						b.Fatal(err)
					}
					d, err := store.OpenDir(server, true)
					if err != nil {
						b.Fatal(err)
					}
					cfg := Config{ProfileDir: filepath.Join(root, "profile"), Journal: j, Store: d, Policy: policy.Default(),
						Host: "b", Session: "b", Stream: true, StageDir: root}
					if lazy {
						cfg.NamespaceFile = filepath.Join(root, "namespace")
					}
					sy, err := New(cfg)
					if err != nil {
						b.Fatal(err)
					}
					runtime.GC()
					var before, after runtime.MemStats
					runtime.ReadMemStats(&before)
					b.StartTimer()
					start := time.Now()
					if _, err := sy.Logon(context.Background()); err != nil {
						b.Fatal(err)
					}
					took += time.Since(start)
					b.StopTimer()
					runtime.ReadMemStats(&after)
					alloc += after.TotalAlloc - before.TotalAlloc
					sy.Close()
					j.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms/logon")
				b.ReportMetric(float64(alloc)/float64(b.N)/1e6, "MBalloc/logon")
			})
		}
	}
}
