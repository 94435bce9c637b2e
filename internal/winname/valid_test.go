package winname

import "testing"

func TestProblem(t *testing.T) {
	bad := []string{"CON", "con", "aux.txt", "Com1.log", "LPT9", "nul.tar.gz", "a.", "b ", "x<y", "what?", "a:b", `pipe|`, "star*", `q"`, "tab\tname"}
	good := []string{"Desktop", "CONSOLE", "auxiliary.txt", "com10", "a.b", ".hidden", "NTUSER.DAT", "Saved Games", "über"}
	for _, n := range bad {
		if Problem(n) == "" {
			t.Errorf("%q accepted, want refused", n)
		}
	}
	for _, n := range good {
		if why := Problem(n); why != "" {
			t.Errorf("%q refused: %s", n, why)
		}
	}
}
