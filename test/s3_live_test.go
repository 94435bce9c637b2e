package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"roamfs/store"
)

// Write-back rounds (issue 14) on an S3 profile (issue 17): the rounds of
// machines logged on at once must go through the same compare-and-swap as a
// logoff. A round that loses a race plans again instead of failing, and
// never overwrites the metadata or index another machine just wrote. Rounds
// are driven by `roamfs sync` on each running session (the interval is an
// hour), so the order of the machines' writes is the test's.

// s3Meta is the profile's metadata as the bucket holds it.
func s3Meta(t *testing.T, st store.Store) (version uint64, host string) {
	t.Helper()
	data, _ := s3Read(t, st, ".roamfs-profile.json")
	var m struct {
		Version uint64 `json:"version"`
		Host    string `json:"host"`
	}
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatalf("the bucket's metadata %q: %v", data, err)
	}
	return m.Version, m.Host
}

// s3Files maps each file under dir in the bucket to its content.
func s3Files(t *testing.T, st store.Store, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := st.Walk(context.Background(), dir, func(i store.Info) error {
		if i.Kind == store.KindFile {
			out[i.Path], _ = s3Read(t, st, i.Path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mountFiles maps each file under dir in m's mount to its content.
func mountFiles(t *testing.T, m *machine, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(m.p(dir), func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(m.mnt, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffFiles says how got differs from want ("" when not at all).
func diffFiles(got, want map[string]string) string {
	var b strings.Builder
	for k, w := range want {
		if g, ok := got[k]; !ok {
			fmt.Fprintf(&b, "\n  missing %s (%q)", k, w)
		} else if g != w {
			fmt.Fprintf(&b, "\n  %s = %q, want %q", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "\n  extra %s (%q)", k, g)
		}
	}
	return b.String()
}

func dumpFiles(f map[string]string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %s = %q", k, f[k])
	}
	return b.String()
}

// roundNow asks m's session for a write-back round and reports its failure.
func roundNow(t *testing.T, m *machine, what string) bool {
	t.Helper()
	r := relRoamfs(t, "sync", "--cache", m.cache)
	if r.code != 0 {
		t.Errorf("%s: roamfs sync on a running session: exit %d\n%s%s", what, r.code, r.stdout, r.stderr)
		return false
	}
	return true
}

// TestS3LiveRounds: three machines logged on to one S3 profile at once.
// First each writes back in turn (every round after another machine's must
// succeed, not fail on the metadata that machine wrote), then all three
// write back at the same moment, each having changed one shared file and one
// of its own, three times over. Every round succeeds, the metadata's
// version counts every round that wrote (none overwrote another's), every
// version of every file survives (the shared file's older ones as conflict
// copies), and after a last round each the three machines and the bucket
// agree; a fourth machine's logon trusts the index the rounds left.
func TestS3LiveRounds(t *testing.T) {
	_, url := s3Server(t)
	first := newMachine(t, url)
	first.logon()
	first.logoff()
	st := s3Open(t, url)
	v0, _ := s3Meta(t, st)
	names := []string{"a", "b", "c"}
	ms := make([]*machine, len(names))
	for i := range ms {
		ms[i] = newMachine(t, url)
		ms[i].setPolicy("PSMidSessionWriteBackInterval: 1h\n")
		ms[i].logon()
	}
	wrote := uint64(0) // rounds that wrote something, so the metadata

	// In turn: each round follows another machine's.
	for turn := range 2 {
		for i, m := range ms {
			writeFile(t, m.p(fmt.Sprintf("Documents/%s-turn%d.txt", names[i], turn)), names[i])
			if roundNow(t, m, fmt.Sprintf("turn %d, machine %s", turn, names[i])) {
				wrote++
			}
		}
	}
	if v, host := s3Meta(t, st); v != v0+wrote {
		t.Errorf("after %d rounds in turn the metadata is version %d (by %s); want %d", wrote, v, host, v0+wrote)
	}

	// At once: every machine changed the shared file and one of its own.
	for race := range 3 {
		for i, m := range ms {
			writeFile(t, m.p("Documents/shared.txt"), fmt.Sprintf("%s%d", names[i], race))
			writeFile(t, m.p(fmt.Sprintf("Documents/%s-race%d.txt", names[i], race)), names[i])
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		ok := make([]bool, len(ms))
		for i, m := range ms {
			wg.Go(func() { <-start; ok[i] = roundNow(t, m, fmt.Sprintf("race %d, machine %s", race, names[i])) })
		}
		close(start)
		wg.Wait()
		for _, o := range ok {
			if o {
				wrote++
			}
		}
		files := s3Files(t, st, "Documents")
		for i, n := range names {
			if files[fmt.Sprintf("Documents/%s-race%d.txt", n, race)] != n {
				t.Errorf("race %d: %s's own file lost: bucket has%s", race, n, dumpFiles(files))
			}
			if !treeHas(files, fmt.Sprintf("%s%d", names[i], race)) {
				t.Errorf("race %d: %s's version of shared.txt lost: bucket has%s", race, n, dumpFiles(files))
			}
		}
		if v, host := s3Meta(t, st); v != v0+wrote {
			t.Errorf("race %d: the metadata is version %d (by %s) after %d rounds that wrote; want %d: a round overwrote another's", race, v, host, wrote, v0+wrote)
		}
	}

	// A last round each, in turn: everything reaches everyone.
	for pass := range 2 {
		for i, m := range ms {
			roundNow(t, m, fmt.Sprintf("settling pass %d, machine %s", pass, names[i]))
		}
	}
	want := s3Files(t, st, "Documents")
	for i, m := range ms {
		if d := diffFiles(mountFiles(t, m, "Documents"), want); d != "" {
			t.Errorf("machine %s differs from the bucket:%s", names[i], d)
		}
	}
	for i, m := range ms {
		if n := len(hpWithID(hpEvents(t, m.cache), 1622, "")); n > 0 {
			t.Errorf("machine %s logged %d failed rounds (1622)", names[i], n)
		}
		m.logoff()
	}
	d := newMachine(t, url)
	d.logon()
	if d := diffFiles(mountFiles(t, d, "Documents"), want); d != "" {
		t.Errorf("a fresh machine differs from the bucket:%s", d)
	}
	if es := hpWithID(hpEvents(t, d.cache), evIndexNotUsed, ""); len(es) > 0 {
		t.Errorf("a fresh logon did not trust the index the rounds left:%s", hpDumpEvents(es))
	}
	d.logoff()
}

func treeHas(files map[string]string, content string) bool {
	for _, c := range files {
		if c == content {
			return true
		}
	}
	return false
}
