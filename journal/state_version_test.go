package journal

import "testing"

// Every kind of write moves StateVersion: a logoff applies the plan its
// pre-unmount check made only while it has not moved (syncer/logoff_prepared.go).
func TestStateVersionMovesOnEveryWrite(t *testing.T) {
	j := openTest(t, "")
	writes := []struct {
		name  string
		write func() error
	}{
		{"append", func() error { _, err := j.Append(Record{Op: OpWrite, Path: "a"}); return err }},
		{"set bases", func() error { return j.SetBases(map[string]Base{"a": {Size: 1}}, nil) }},
		{"commit", func() error { return j.Commit(j.LastSeq(), map[string]Base{"a": {Size: 2}}, nil) }},
		{"commit, nothing new", func() error { return j.Commit(j.LastSeq(), nil, nil) }},
		{"fetch marks", func() error { return j.SetUnfetched(map[string]Unfetched{"b": {Path: "b", Size: 3}}, nil) }},
		{"folder marks", func() error { return j.SetUnmaterialized(map[string]Unmaterialized{"d": {Path: "d"}}, nil) }},
		{"materialized", func() error { return j.Materialized("d", map[string]Base{"d/x": {Size: 4}}) }},
		{"meta", func() error { return j.SetMeta("test", []byte("v")) }},
	}
	for _, w := range writes {
		before := j.StateVersion()
		if err := w.write(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if after := j.StateVersion(); after <= before {
			t.Errorf("%s: StateVersion %d -> %d, want it to grow", w.name, before, after)
		}
	}
	// Reads do not.
	before := j.StateVersion()
	if _, _, err := j.Base("a"); err != nil {
		t.Fatal(err)
	}
	if err := j.Bases("", func(string, Base) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if after := j.StateVersion(); after != before {
		t.Errorf("reads moved StateVersion %d -> %d", before, after)
	}
}
