// Command gen writes the Windows message resources of roamfs from the event
// table (event.All): cmd/roamfs/rsrc_windows_{amd64,arm64}.syso, linked
// into roamfs.exe so Event Viewer shows each event's text, and
// winevent/roamfs.mc for administrators who build a message DLL.
//
// Run it through `go generate ./cmd/roamfs` (or `go run ./winevent/gen`) after
// changing the table; `make test` fails until the committed files match.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"roamfs/winevent/rsrc"
)

func main() {
	root, err := moduleRoot()
	if err == nil {
		err = rsrc.Write(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "winevent/gen:", err)
		os.Exit(1)
	}
}

// moduleRoot finds the roamfs module's directory above the working
// directory: go generate runs this in cmd/roamfs, a developer at the root.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && isRoamfsModule(string(mod)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of module roamfs above the working directory")
		}
		dir = parent
	}
}

func isRoamfsModule(gomod string) bool {
	for _, line := range strings.Split(gomod, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return f[1] == "roamfs"
		}
	}
	return false
}
