package main

// Issue 8, item 5: the journal's durable append rate with 1, 4 and 16
// concurrent writers, from the journal package's own BenchmarkAppend (each
// Append is fsynced before it returns; the group committer batches whatever
// is waiting).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

type journalResult struct {
	Writers    []int
	RecPerSec  map[int][]float64 // writers → one per -count
	RecPerTxn  map[int][]float64
	Benchtime  string
	Err        string `json:",omitempty"`
	RawCommand string
}

var benchLine = regexp.MustCompile(`^BenchmarkAppend/writers=(\d+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) txns/op)?`)

func (h *harness) benchJournal(ctx context.Context) *journalResult {
	res := &journalResult{Writers: []int{1, 4, 16}, RecPerSec: map[int][]float64{}, RecPerTxn: map[int][]float64{}, Benchtime: h.cfg.benchtime}
	test := filepath.Join(h.work, "bin", "journal.test")
	h.logf("journal: building the journal package's benchmark")
	if err := h.goBuild(ctx, "test", "-c", "-o", test, "./journal/"); err != nil {
		res.Err = err.Error()
		return res
	}
	tmp := filepath.Join(h.work, "journal-tmp")
	os.MkdirAll(tmp, 0o755)
	defer os.RemoveAll(tmp)
	args := []string{"-test.run", "^$", "-test.bench", "^BenchmarkAppend$/^writers=(1|4|16)$",
		"-test.benchtime", h.cfg.benchtime, "-test.count", strconv.Itoa(h.cfg.runs)}
	res.RawCommand = "go test -run '^$' -bench 'BenchmarkAppend/writers=' -benchtime " + h.cfg.benchtime + " -count " + strconv.Itoa(h.cfg.runs) + " ./journal/"
	h.logf("journal: %s", res.RawCommand)
	cmd := exec.CommandContext(ctx, test, args...)
	cmd.Dir = filepath.Join(h.root, "journal")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		res.Err = fmt.Sprintf("journal benchmark: %v: %s", err, lastLines(string(out), 5))
		return res
	}
	parseBench(string(out), res)
	if len(res.RecPerSec) == 0 {
		res.Err = "journal benchmark printed no BenchmarkAppend lines: " + lastLines(string(out), 5)
	}
	return res
}

func parseBench(out string, res *journalResult) {
	for _, line := range strings.Split(out, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		w, _ := strconv.Atoi(m[1])
		ns, _ := strconv.ParseFloat(m[2], 64)
		if ns > 0 {
			res.RecPerSec[w] = append(res.RecPerSec[w], 1e9/ns)
		}
		if t, err := strconv.ParseFloat(m[3], 64); err == nil && t > 0 {
			res.RecPerTxn[w] = append(res.RecPerTxn[w], 1/t)
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
