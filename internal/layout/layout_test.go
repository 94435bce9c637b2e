package layout

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "roamfs/"

// mayImport is the "may import" column of docs/design.md's layout table:
// the roamfs packages each product package may import (a trailing "/..."
// allows a subtree). Packages not listed import nothing of roamfs.
// cmd/roamfs, test and bench sit on top and may import anything but the
// test-only helpers' own tests.
var mayImport = map[string][]string{
	"policy":          {"internal/winname"},
	"store":           {"internal/entry"},
	"store/s3":        {"store"},
	"store/smb":       {"store"},
	"store/storetest": {"store"},
	"journal":         {"event", "internal/entry"},
	"syncer":          {"event", "internal/entry", "internal/winname", "journal", "policy", "store"},
	"overlay":         {"event", "internal/entry", "internal/winname", "journal", "policy"},
	"fs/gofuse":       {"overlay"},
	"fs/cgofuse":      {"overlay"},
	"fs/fstest":       {"internal/mountinfo", "journal", "overlay", "policy"},
	"session":         {"cachedir", "event", "journal", "overlay", "policy", "store", "store/s3", "store/smb", "syncer"},
	// The Windows service shares the syncer's pure hive decision
	// (DecideHive) when it places the hive in the NTFS profile folder.
	"service":           {"event", "internal/entry", "internal/junction", "internal/mountinfo", "internal/winacl", "internal/winname", "internal/winpipe", "policy", "store", "syncer"},
	"login":             {"service"},
	"winevent/rsrc":     {"event", "winevent"},
	"winevent/gen":      {"winevent/rsrc"},
	"internal/s3test":   {"internal/daemontest"},
	"internal/smbdtest": {"internal/daemontest"},
}

// topLevel may import any product package.
var topLevel = []string{"cmd/...", "test", "bench/..."}

// testOnly are helpers for tests and benchmarks: no product package may
// import them (restic keeps its mocks apart the same way).
var testOnly = []string{"store/storetest", "internal/daemontest", "internal/s3test", "internal/smbdtest", "internal/wintest", "fs/fstest"}

func matches(pkg string, pats []string) bool {
	for _, p := range pats {
		if pkg == p || (strings.HasSuffix(p, "/...") && (pkg == strings.TrimSuffix(p, "/...") || strings.HasPrefix(pkg, strings.TrimSuffix(p, "...")))) {
			return true
		}
	}
	return false
}

// TestImportsFollowTheLayout lists every package's imports for Linux (also
// with the fuse3 tag the cgofuse front end builds with) and for Windows, and
// checks each roamfs import against mayImport.
func TestImportsFollowTheLayout(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go tool is not on PATH: %v", err)
	}
	root := filepath.Join("..", "..")
	for _, env := range []struct{ goos, tags string }{{"linux", ""}, {"linux", "fuse3"}, {"windows", ""}} {
		cmd := exec.Command(goBin, "list", "-e", "-tags", env.tags, "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+env.goos, "CGO_ENABLED=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (GOOS=%s tags %q): %v\n%s", env.goos, env.tags, err, stderr.String())
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		n := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 || !strings.HasPrefix(f[0], module) {
				continue
			}
			n++
			pkg := strings.TrimPrefix(f[0], module)
			for _, imp := range f[1:] {
				if !strings.HasPrefix(imp, module) {
					continue
				}
				dep := strings.TrimPrefix(imp, module)
				switch {
				case matches(pkg, topLevel):
					if strings.HasPrefix(pkg, "cmd/") && matches(dep, testOnly) {
						t.Errorf("%s (GOOS=%s): the command imports the test helper %s", pkg, env.goos, dep)
					}
				case !matches(dep, mayImport[pkg]):
					t.Errorf("%s imports %s (GOOS=%s tags %q): not an arrow of docs/design.md's layout; add it there and to mayImport if it is meant", pkg, dep, env.goos, env.tags)
				}
			}
		}
		if n < 20 {
			t.Fatalf("go list (GOOS=%s) listed %d roamfs packages: wrong directory?", env.goos, n)
		}
	}
}
