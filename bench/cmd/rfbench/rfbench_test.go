package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSample(t *testing.T) {
	s := sample{5, 1, 3}
	if s.median() != 3 || s.min() != 1 || s.max() != 5 {
		t.Fatalf("median/min/max of %v: %v %v %v", s, s.median(), s.min(), s.max())
	}
	if m := (sample{1, 2, 3, 10}).median(); m != 2.5 {
		t.Fatalf("even median = %v", m)
	}
	if !math.IsNaN(sample{}.median()) {
		t.Fatal("median of nothing must be NaN")
	}
	if got := (sample{1200, 1000, 1500}).spread(); got != "1,200 (1,000–1,500)" {
		t.Fatalf("spread = %q", got)
	}
}

// Ratios pair the runs: the comparison of each run is taken within it.
func TestRatiosPairRuns(t *testing.T) {
	r := ratios(sample{10, 20, 30}, sample{10, 10, 10})
	if !slices.Equal(r, sample{1, 2, 3}) {
		t.Fatalf("ratios = %v", r)
	}
	if len(ratios(sample{1, 2}, sample{1, 0})) != 1 {
		t.Fatal("a zero denominator must be skipped")
	}
}

func TestParseFio(t *testing.T) {
	out := []byte("fio: some warning\n{\"jobs\":[{\"error\":0,\"read\":{\"iops\":1234.5,\"total_ios\":2469},\"write\":{\"iops\":0,\"total_ios\":0}}]}")
	r, err := parseFio(out, false)
	if err != nil || r.iops != 1234.5 || r.ops != 2469 {
		t.Fatalf("parseFio = %+v, %v", r, err)
	}
	if _, err := parseFio(out, true); err == nil {
		t.Fatal("a write figure with no writes must be an error")
	}
	if _, err := parseFio([]byte("no json"), false); err == nil {
		t.Fatal("no JSON must be an error")
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkAppend/writers=1-2         	    5452	    250000 ns/op	         1.000 txns/op
BenchmarkAppend/writers=16-2        	   49526	     25000 ns/op	         0.0625 txns/op
BenchmarkAppend/parallel-2          	   49526	     25000 ns/op	         0.0625 txns/op
PASS`
	res := &journalResult{RecPerSec: map[int][]float64{}, RecPerTxn: map[int][]float64{}}
	parseBench(out, res)
	if got := res.RecPerSec[1]; len(got) != 1 || got[0] != 4000 {
		t.Fatalf("writers=1: %v", got)
	}
	if got := res.RecPerTxn[16]; len(got) != 1 || got[0] != 16 {
		t.Fatalf("writers=16 records/txn: %v", got)
	}
	if len(res.RecPerSec) != 2 {
		t.Fatalf("parallel must not be parsed as a writer count: %v", res.RecPerSec)
	}
}

// The generated profile is the same for the same seed, and has the mix.
func TestFileSizesMix(t *testing.T) {
	a := fileSizes(rand.New(rand.NewPCG(8, 10000)), 10000)
	b := fileSizes(rand.New(rand.NewPCG(8, 10000)), 10000)
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different sizes")
	}
	var small, medium, large int
	for _, s := range a {
		switch {
		case s >= largeMin:
			large++
		case s >= mediumMin:
			medium++
		case s >= smallMin && s <= smallMax:
			small++
		}
	}
	if large != 2 || medium != 100 || small != 10000-102 {
		t.Fatalf("mix: %d small, %d medium, %d large", small, medium, large)
	}
}

func TestDirTreeIsRoaming(t *testing.T) {
	for _, d := range makeDirTree(rand.New(rand.NewPCG(1, 2)), 500) {
		if strings.HasPrefix(d, "AppData/Local") || depth(d) > 5 {
			t.Fatalf("bad folder %q", d)
		}
	}
}

func TestRotate(t *testing.T) {
	ts := []string{"a", "b", "c"}
	if got := rotate(ts, 1); !slices.Equal(got, []string{"b", "c", "a"}) {
		t.Fatalf("rotate = %v", got)
	}
}

func TestVerdict(t *testing.T) {
	r := &report{}
	if r.verdict(0.95, 0.9, true, "") != "PASS" || r.verdict(120e6, 100e6, false, "too big") != "**MISS**" {
		t.Fatal("verdicts")
	}
	if r.pass != 1 || r.miss != 1 || len(r.whys) != 1 {
		t.Fatalf("counts: %+v", r)
	}
	if r.verdict(math.NaN(), 1, true, "") != "—" {
		t.Fatal("no value, no verdict")
	}
}

// The scratch image holds the server, the caches and every copy.
func TestScratchSize(t *testing.T) {
	size, inodes := scratchSize([]int{10000, 100000}, 3)
	if size < 20<<30 || size > 40<<30 {
		t.Fatalf("full run image: %d GiB", size>>30)
	}
	if inodes < 10*100000 {
		t.Fatalf("full run inodes: %d", inodes)
	}
}

// TestFillFinished: the fill's end is read from the cache's log, a line at
// a time as it is written; a fill that left files to fetch is no end.
func TestFillFinished(t *testing.T) {
	log := filepath.Join(t.TempDir(), "roamfs.log")
	var off int64
	var partial []byte
	write := func(s string) {
		f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := fillFinished(log, &off, &partial); ok {
		t.Fatal("an end found in a log that is not there")
	}
	write(`{"level":"info","ts":"2026-12-05T14:04:51.07Z","msg":"background fill started","event_id":1601}` + "\n")
	write(`{"level":"info","ts":"2026-12-05T14:04:52.5Z","msg":"background fill finished","event_id":1602,"files_not_local":3}` + "\n")
	write(`{"level":"info","ts":"2026-12-05T14:04:53.25Z","msg":"background fill finished","event_id":1602,`)
	if _, ok := fillFinished(log, &off, &partial); ok {
		t.Fatal("a fill that left 3 files, or a line half written, taken for the end")
	}
	write(`"files_not_local":0}` + "\n")
	at, ok := fillFinished(log, &off, &partial)
	if want := time.Date(2026, 12, 5, 14, 4, 53, 250e6, time.UTC); !ok || !at.Equal(want) {
		t.Errorf("fillFinished = %v, %v; want %v", at, ok, want)
	}
}
