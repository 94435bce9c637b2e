//go:build !linux

package journal

// Elsewhere the tables' mapped pages are left to the system (see
// maptrim_linux.go).
type mapTrimmer struct{}

func startTrim(string) *mapTrimmer { return &mapTrimmer{} }

func (*mapTrimmer) close() {}

func (*mapTrimmer) scanned(int) {}
