//go:build linux

package syncer

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"roamfs/journal"
	"roamfs/policy"
	"roamfs/store/s3"
	"roamfs/store/storetest"
)

// countingTransport counts the HTTP requests an S3 store makes, by method.
type countingTransport struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	what := r.Method
	if r.Method == http.MethodGet && r.URL.Query().Has("list-type") {
		what = "LIST"
	}
	c.mu.Lock()
	c.n[what]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// take returns the counts since the last take and their total.
func (c *countingTransport) take() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	var parts []string
	for k, v := range c.n {
		total += v
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	clear(c.n)
	return strings.Join(parts, ", "), total
}

// newCountedS3Machine is newS3Machine whose requests are counted.
func newCountedS3Machine(t *testing.T, name, spec string) (*machine, *countingTransport) {
	t.Helper()
	root := t.TempDir()
	j, err := journal.Open(filepath.Join(root, "journal"), journal.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ct := &countingTransport{n: map[string]int{}}
	st, err := s3.Open(context.Background(), spec, s3.Options{PathStyle: true, Create: true, Transport: ct})
	if err != nil {
		t.Fatal(err)
	}
	m := &machine{t: t, name: name, dir: filepath.Join(root, "profile"), j: j, server: storetest.NewFaulty(st),
		clock: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	m.sy, err = New(Config{ProfileDir: m.dir, Journal: j, Store: m.server, Policy: policy.Default(), Host: name, Session: name, Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.sy.Close() })
	return m, ct
}

// liveRoundOf is what the session's round asks of the syncer
// (session/writeback.go): is the profile read-only, is the server there,
// write back, pull.
func liveRoundOf(t *testing.T, m *machine, ps *PullState) WriteBackResult {
	t.Helper()
	ctx := context.Background()
	if ro, why := m.sy.ReadOnly(ctx); ro {
		t.Fatalf("read-only: %s", why)
	}
	if err := m.sy.Reachable(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := m.sy.WriteBack(ctx, stillLive{})
	if err != nil {
		t.Fatal(err)
	}
	ps.Refresh(r.Refresh, m.sy.Key)
	if _, err := m.sy.Pull(ctx, stillLive{}, ps, func(string) {}); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestS3RoundRequests: a write-back round's cost on S3 follows its changes,
// not the profile (issue 14 item 4): on a profile of 1,000 files in 20
// folders, an idle round makes fewer than 10 requests, and a round with one
// change fewer than 80 (of which the top level's 16 entries, described for
// the index delta and again by the pull's check, are about 35). A walk of
// the profile, which the round's reachability check and the name lookups
// used to be, is a listing plus a HEAD per object: 2,083 and 5,265 requests.
func TestS3RoundRequests(t *testing.T) {
	spec := s3Profile(t)
	a, ct := newCountedS3Machine(t, "A", spec)
	a.logon()
	for i := range 1000 {
		a.write(fmt.Sprintf("Documents/d%02d/f%03d.txt", i%20, i), "x")
	}
	a.logoff()
	a.logon()
	var ps PullState
	liveRoundOf(t, a, &ps) // the first pull reads the index
	ct.take()

	liveRoundOf(t, a, &ps)
	idle, n := ct.take()
	t.Logf("idle round: %d requests (%s)", n, idle)
	if n >= 10 {
		t.Errorf("an idle round on a 1,000-file profile made %d requests (%s); want < 10", n, idle)
	}

	a.write("Documents/d07/f007.txt", "changed")
	if r := liveRoundOf(t, a, &ps); r.Uploaded != 1 {
		t.Fatalf("round with one change: %+v", r.Result)
	}
	one, n := ct.take()
	t.Logf("round with one change: %d requests (%s)", n, one)
	if n >= 80 {
		t.Errorf("a round with one change on a 1,000-file profile made %d requests (%s); want < 80", n, one)
	}
}
