package test

import (
	"strings"
	"testing"
)

// TestReliabilitySummary prints the fault table of the reliability tests
// that ran before it (`go test -run Reliability`), ready for the README.
func TestReliabilitySummary(t *testing.T) {
	relRowsMu.Lock()
	rows := append([]relRow(nil), relRows...)
	relRowsMu.Unlock()
	if len(rows) == 0 {
		t.Skip("no reliability test ran before this one: run them together with -run Reliability")
	}
	lines := []string{relTableHead}
	for _, r := range rows {
		lines = append(lines, relRowText(r))
	}
	t.Logf("fault table (%d rows):\n%s", len(rows), strings.Join(lines, "\n"))
}
