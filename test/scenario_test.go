package test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScenarios plays every story of testdata/scenarios/NAME.txt (the
// language is described in scenario_script_test.go) through real mounts of
// machines sharing one server directory, and compares the transcript and the
// listings of the server and of each machine's cache with NAME.golden.
//
// After changing a story or the behaviour it shows, regenerate its golden and
// read the diff before committing it:
//
//	go test ./test/ -run 'TestScenarios/NAME$' -update
//
// A golden only records what happened; the story's "expect" lines say what
// must happen, and they are checked with -update too.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/scenarios")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			scPlayStory(t, f, newSCRun(t), scUpdating())
		})
	}
}

// scPlayStory plays the story in file on r and compares what it left with
// the story's golden, or, with update, writes the golden.
func scPlayStory(t *testing.T, file string, r *scRun, update bool) {
	t.Helper()
	name := strings.TrimSuffix(filepath.Base(file), ".txt")
	cmds, err := scParse(file)
	if err != nil {
		t.Fatal(err)
	}
	got := r.play(name, cmds)
	golden := strings.TrimSuffix(file, ".txt") + ".golden"
	if update {
		if t.Failed() {
			t.Fatalf("%s not written: the story's expect lines failed", golden)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with -update, then read it)", err)
	}
	if d := scDiff(string(want), got); d != "" {
		t.Errorf("%s differs (- golden, + this run); if the change is intended, run with -update:\n%s", golden, d)
	}
}

// The -update flag is registered here unless another file of the package
// already has one by that name.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files of TestScenarios")
	}
}

func scUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// scDiff is a line diff of want and got, "" when they are equal.
func scDiff(want, got string) string {
	if want == got {
		return ""
	}
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	// Longest common subsequence, fine for files of a few dozen lines.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			fmt.Fprintf(&out, "  %s\n", a[i])
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "+ %s\n", b[j])
			j++
		default:
			fmt.Fprintf(&out, "- %s\n", a[i])
			i++
		}
	}
	return out.String()
}
