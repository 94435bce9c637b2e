package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJournalMatchesOperations: every mutating operation through the mount
// is in the journal, in order, with its op name, path(s), time and session;
// logoff marks them all synced; writes through one handle are coalesced.
func TestJournalMatchesOperations(t *testing.T) {
	m := newMachine(t, newServer(t))
	m.logon()
	if j := m.journal(false); len(j) != 0 {
		t.Fatalf("pending journal right after the first logon: %v", j)
	}

	const d = "Documents/j"
	steps := []struct {
		op, path, old string
		do            func() error
	}{
		{"mkdir", d, "", func() error { return os.Mkdir(m.p(d), 0o755) }},
		{"create", d + "/a.txt", "", func() error {
			return writeAt(m.p(d+"/a.txt"), os.O_CREATE|os.O_EXCL, []byte("hello"), 0)
		}},
		{"write", d + "/a.txt", "", func() error { return writeAt(m.p(d+"/a.txt"), 0, []byte(", world"), 5) }},
		{"setattr", d + "/a.txt", "", func() error { return os.Chmod(m.p(d+"/a.txt"), 0o600) }},
		{"setattr", d + "/a.txt", "", func() error {
			ts := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
			return os.Chtimes(m.p(d+"/a.txt"), ts, ts)
		}},
		{"truncate", d + "/a.txt", "", func() error { return os.Truncate(m.p(d+"/a.txt"), 3) }},
		{"rename", d + "/b.txt", d + "/a.txt", func() error { return os.Rename(m.p(d+"/a.txt"), m.p(d+"/b.txt")) }},
		{"mkdir", d + "/sub", "", func() error { return os.Mkdir(m.p(d+"/sub"), 0o755) }},
		{"rmdir", d + "/sub", "", func() error { return os.Remove(m.p(d + "/sub")) }},
		{"symlink", d + "/b.lnk", "", func() error { return os.Symlink("b.txt", m.p(d+"/b.lnk")) }},
		{"link", d + "/hard.txt", "", func() error { return os.Link(m.p(d+"/b.txt"), m.p(d+"/hard.txt")) }},
		{"unlink", d + "/hard.txt", "", func() error { return os.Remove(m.p(d + "/hard.txt")) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s %s: %v", s.op, s.path, err)
		}
	}

	// 1,000 small writes through one handle: a handful of records, not 1,000.
	// many.log is fsynced before its close, so its final size is journaled
	// before the test reads the journal. many2.log is only closed: FUSE sends
	// the release after close(2) has returned, so its closing record may
	// come later; it is written last so that record cannot fall between
	// other operations' ones.
	for _, name := range []string{"many.log", "many2.log"} {
		f, err := os.Create(m.p(d + "/" + name))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 1000 {
			if _, err := f.WriteString(strings.Repeat(string(rune('a'+i%26)), 9) + "\n"); err != nil {
				t.Fatal(err)
			}
		}
		if name == "many.log" {
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// many2.log's closing record comes with FUSE's release, after close(2)
	// returned: wait for it, so the journal read here and the status read
	// below see the same records.
	var pending []journalEntry
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		pending = m.journal(false)
		if last := lastFor(pending, d+"/many2.log"); last != nil && last.Size == 10_000 || time.Now().After(deadline) {
			break
		}
	}
	checkOrderAndTimes(t, pending)
	i := 0
	for _, s := range steps { // the expected records, in this order, among the others
		for i < len(pending) && !(pending[i].Op == s.op && pending[i].Path == s.path && pending[i].OldPath == s.old) {
			i++
		}
		if i == len(pending) {
			t.Fatalf("no %s record for %s (old_path %q) after the earlier ones; journal:\n%s", s.op, s.path, s.old, dump(pending))
		}
		i++
	}
	session := pending[0].Session
	many := map[string]int{}
	for _, e := range pending {
		if e.Synced {
			t.Errorf("record %d is synced before logoff", e.Seq)
		}
		if e.Session == "" || e.Session != session {
			t.Errorf("record %d has session %q, want the session's one %q", e.Seq, e.Session, session)
		}
		if e.Op == "rename" && e.OldPath == "" || e.Op != "rename" && e.OldPath != "" {
			t.Errorf("record %d: old_path %q with op %s", e.Seq, e.OldPath, e.Op)
		}
		many[e.Path]++
	}
	for _, name := range []string{"many.log", "many2.log"} {
		if n := many[d+"/"+name]; n == 0 || n > 5 {
			t.Errorf("1,000 writes through one handle gave %d records for %s, want 1 to 5:\n%s", n, name, dump(pending))
		}
	}
	if last := lastFor(pending, d+"/many.log"); last == nil || last.Size != 10_000 {
		t.Errorf("last record for many.log (fsynced) %+v, want size 10000", last)
	}
	if st := m.status(); st.PendingChanges != len(pending) {
		t.Errorf("status PendingChanges = %d, journal lists %d pending records", st.PendingChanges, len(pending))
	}

	m.logoff()
	if j := m.journal(false); len(j) != 0 {
		t.Errorf("journal --json lists %d pending records after logoff:\n%s", len(j), dump(j))
	}
	all := m.journal(true)
	checkOrderAndTimes(t, all)
	if len(all) < len(pending) {
		t.Errorf("journal --all has %d records, fewer than the %d pending before logoff", len(all), len(pending))
	}
	many = map[string]int{}
	for _, e := range all {
		many[e.Path]++
		if !e.Synced {
			t.Errorf("record %d (%s %s) not synced after logoff", e.Seq, e.Op, e.Path)
		}
	}
	for _, name := range []string{"many.log", "many2.log"} {
		if n := many[d+"/"+name]; n == 0 || n > 5 {
			t.Errorf("journal --all: %d records for %s, want 1 to 5", n, name)
		}
		if got, err := os.ReadFile(filepath.Join(m.server, d, name)); err != nil || len(got) != 10_000 {
			t.Errorf("server %s: %d bytes, %v; want 10000", name, len(got), err)
		}
	}
	if st := m.status(); st.PendingChanges != 0 || st.Loaded {
		t.Errorf("status after logoff: PendingChanges=%d Loaded=%v, want 0 and false", st.PendingChanges, st.Loaded)
	}
}

// checkOrderAndTimes: seqs strictly increase, times are RFC 3339 and never go
// backwards.
func checkOrderAndTimes(t *testing.T, es []journalEntry) {
	t.Helper()
	var prevT time.Time
	var prevSeq uint64
	for _, e := range es {
		tm, err := time.Parse(time.RFC3339Nano, e.Time)
		if err != nil {
			t.Errorf("record %d: time %q: %v", e.Seq, e.Time, err)
			continue
		}
		if e.Seq <= prevSeq {
			t.Errorf("record seq %d after %d", e.Seq, prevSeq)
		}
		if tm.Before(prevT) {
			t.Errorf("record %d time %s before the previous record's %s", e.Seq, e.Time, prevT.Format(time.RFC3339Nano))
		}
		if strings.HasPrefix(e.Path, "/") || strings.Contains(e.Path, `\`) {
			t.Errorf("record %d path %q is not relative with '/'", e.Seq, e.Path)
		}
		prevT, prevSeq = tm, e.Seq
	}
}

func lastFor(es []journalEntry, p string) *journalEntry {
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Path == p {
			return &es[i]
		}
	}
	return nil
}

func dump(es []journalEntry) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString("\t")
		b.WriteString(strings.Join([]string{e.Time, e.Op, e.Path, e.OldPath}, " "))
		b.WriteString("\n")
	}
	return b.String()
}

// writeAt writes data at off through one handle and fsyncs it before the
// close: the fsync journals the final size synchronously, so no record is
// left to FUSE's asynchronous release to race with the next operation's.
func writeAt(p string, flags int, data []byte, off int64) error {
	f, err := os.OpenFile(p, os.O_WRONLY|flags, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(data, off)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
