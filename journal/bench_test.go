package journal

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkAppend measures durable (fsynced) single-record appends. With w
// writers the group committer should put about w records in each
// transaction, so ns/op falls as writers rise; txns/op shows the batching.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			j := openTest(b, "")
			rec := Record{Op: OpWrite, Session: "bench", Path: "Documents/report.docx", Size: 4096}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := j.Append(rec); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			reportTxns(b, j)
		})
	}
	// RunParallel: GOMAXPROCS writers, the way the go test harness sizes it.
	b.Run("parallel", func(b *testing.B) {
		j := openTest(b, "")
		rec := Record{Op: OpWrite, Session: "bench", Path: "Documents/report.docx", Size: 4096}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := j.Append(rec); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		reportTxns(b, j)
	})
}

func reportTxns(b *testing.B, j *Journal) {
	if b.N > 0 {
		b.ReportMetric(float64(j.txns.Load())/float64(b.N), "txns/op")
	}
}

// BenchmarkAppendNoSync measures the CPU cost of an append without the
// flush: 16 writers over 1,000 paths, so each transaction carries many
// distinct pending-path entries.
func BenchmarkAppendNoSync(b *testing.B) {
	j, err := Open(b.TempDir(), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				rec := Record{Op: OpWrite, Session: "bench", Path: fmt.Sprintf("Documents/dir%d/file%d.docx", i%10, i%1000), Size: 4096}
				if _, err := j.Append(rec); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	reportTxns(b, j)
}
