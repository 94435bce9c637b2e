package main

import (
	"testing"
	"time"

	"roamfs/session"
)

func TestJournalFilter(t *testing.T) {
	now := time.Now()
	at := func(ago time.Duration) string { return now.Add(-ago).Format(time.RFC3339Nano) }
	entries := []session.JournalEntry{
		{Seq: 1, Time: at(3 * time.Hour), Session: "aaaa1111", Op: "write", Path: "Documents/a.txt"},
		{Seq: 2, Time: at(2 * time.Hour), Session: "aaaa1111", Op: "unlink", Path: "Desktop/b.lnk"},
		{Seq: 3, Time: at(time.Hour), Session: "bbbb2222", Op: "rename", Path: "Music/c", OldPath: "documents/c"},
		{Seq: 4, Time: at(time.Minute), Session: "bbbb2222", Op: "write", Path: "DocumentsX/d"},
	}
	cases := []struct {
		name string
		f    journalFilter
		want []uint64
	}{
		{"none", journalFilter{}, []uint64{1, 2, 3, 4}},
		{"path prefix, old path too, case as Windows", journalFilter{prefix: `Documents\`}, []uint64{1, 3}},
		{"session prefix", journalFilter{session: "bbbb"}, []uint64{3, 4}},
		{"ops", journalFilter{ops: []string{"unlink", "RENAME"}}, []uint64{2, 3}},
		{"since an age", journalFilter{since: "90m"}, []uint64{3, 4}},
		{"limit keeps the last", journalFilter{limit: 2}, []uint64{3, 4}},
		{"combined", journalFilter{ops: []string{"write"}, limit: 1}, []uint64{4}},
	}
	for _, c := range cases {
		if err := c.f.parse(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := c.f.apply(append([]session.JournalEntry(nil), entries...))
		var seqs []uint64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if len(seqs) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, seqs, c.want)
			continue
		}
		for i := range seqs {
			if seqs[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, seqs, c.want)
				break
			}
		}
	}
	for _, bad := range []journalFilter{{since: "yesterday"}, {limit: -1}} {
		if err := bad.parse(); exitCode(err) != ExitUsage {
			t.Errorf("%+v: %v (exit %d), want a usage error", bad, err, exitCode(err))
		}
	}
}
