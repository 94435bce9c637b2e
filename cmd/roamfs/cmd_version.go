package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time (-ldflags "-X main.version=v1.2.3"); a build
// without it reports the module version Go recorded, or "devel".
var version = ""

// buildInfo is what `roamfs version` reports: enough for a support ticket.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Modified  bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	GoFuse    string `json:"go_fuse,omitempty"` // the Linux front end's library
	CgoFuse   string `json:"cgofuse,omitempty"` // the WinFsp front end's library
	Badger    string `json:"badger,omitempty"`  // the journal's database
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	if b.Version == "" {
		b.Version = bi.Main.Version
	}
	if b.Version == "" || b.Version == "(devel)" {
		b.Version = "devel"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		switch d.Path {
		case "github.com/hanwen/go-fuse/v2":
			b.GoFuse = d.Version
		case "github.com/winfsp/cgofuse":
			b.CgoFuse = d.Version
		case "github.com/dgraph-io/badger/v4":
			b.Badger = d.Version
		}
	}
	return b
}

func (b buildInfo) String() string {
	s := fmt.Sprintf("roamfs %s", b.Version)
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if b.Modified {
			c += "+changes"
		}
		s += " (" + c + ")"
	}
	s += fmt.Sprintf(", %s %s", b.GoVersion, b.Platform)
	if b.GoFuse != "" {
		s += ", go-fuse " + b.GoFuse
	}
	if b.CgoFuse != "" {
		s += ", cgofuse " + b.CgoFuse
	}
	return s
}

func newVersionCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print roamfs' version, commit, Go version and the FUSE libraries it was built with",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			b := readBuildInfo()
			if asJSON {
				return json.NewEncoder(c.OutOrStdout()).Encode(b)
			}
			_, err := fmt.Fprintln(c.OutOrStdout(), b)
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}
