package syncer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store"
)

// BenchmarkFillFolders: a streamed first logon of n small files (1–16 KiB,
// 100 to a folder), then FillFolders bringing every folder and its files
// into the cache, against `cp -a` of the same server tree. Run with
// `go test -run x -bench FillFolders -benchtime 3x ./syncer`.
func BenchmarkFillFolders(b *testing.B) {
	const n = 20_000
	root := b.TempDir()
	server := filepath.Join(root, "server")
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 16<<10)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	tops := []string{"AppData/Roaming", "Desktop", "Documents", "Pictures", "Music"}
	for i := range n {
		k := i / 100
		dir := filepath.Join(server, tops[k%len(tops)], fmt.Sprintf("d%d", k/10), fmt.Sprintf("e%d", k))
		if i%100 == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%06d.txt", i)), data[:1<<10+rng.IntN(15<<10)], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := benchSyncer(b, server, nil).RefreshIndex(context.Background()); err != nil {
		b.Fatal(err)
	}
	var fill, cp time.Duration
	for i := range b.N {
		b.StopTimer()
		run := filepath.Join(root, fmt.Sprint(i))
		if err := os.MkdirAll(run, 0o755); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if out, err := exec.Command("cp", "-a", server, filepath.Join(run, "cp")).CombinedOutput(); err != nil {
			b.Fatal(err, string(out))
		}
		cp += time.Since(start)
		j, err := journal.Open(filepath.Join(run, "journal"), journal.Options{})
		if err != nil {
			b.Fatal(err)
		}
		d, err := store.OpenDir(server, true)
		if err != nil {
			b.Fatal(err)
		}
		sy, err := New(Config{ProfileDir: filepath.Join(run, "profile"), Journal: j, Store: store.NewRetry(d), Policy: policy.Default(),
			Host: "b", Session: "b", Stream: true, StageDir: run, NamespaceFile: filepath.Join(run, "namespace")})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sy.Logon(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start = time.Now()
		if err := sy.FillFolders(context.Background(), 0); err != nil {
			b.Fatal(err)
		}
		fill += time.Since(start)
		b.StopTimer()
		if files, _ := sy.Unfetched(); files != 0 {
			b.Fatalf("%d files not local after the fill", files)
		}
		sy.Close()
		j.Close()
		b.StartTimer()
	}
	b.ReportMetric(fill.Seconds()/float64(b.N), "s/fill")
	b.ReportMetric(cp.Seconds()/float64(b.N), "s/cp")
	b.ReportMetric(fill.Seconds()/cp.Seconds(), "fill/cp")
}
