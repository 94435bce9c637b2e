package event

import "testing"

// TestEventTable: every id once, every id with a text, in the Windows ranges
// the Event Log resources are generated for.
func TestEventTable(t *testing.T) {
	seen := map[int]bool{}
	for _, e := range All {
		if seen[e.ID] {
			t.Errorf("event %d twice", e.ID)
		}
		seen[e.ID] = true
		if e.Text == "" {
			t.Errorf("event %d has no text", e.ID)
		}
		if !(e.ID >= 1 && e.ID <= 61 || e.ID >= 1500 && e.ID <= 1545 || e.ID >= 1600 && e.ID <= 1699) {
			t.Errorf("event %d outside 1–61, 1500–1545 and 1600–1699", e.ID)
		}
	}
}
