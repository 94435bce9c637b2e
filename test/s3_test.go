package test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"roamfs/internal/s3test"
	"roamfs/store"
	"roamfs/store/s3"
)

// The S3 store end to end: roamfs logon --server s3://BUCKET/PREFIX against a
// private versitygw (internal/s3test) that the tests start on a loopback
// port over a temporary directory and stop by pid. The keys and the
// endpoint reach every roamfs process through the standard AWS variables.
// Skipped where versitygw is not installed; .ci/run installs it.

// s3Server starts versitygw with a bucket and returns the address of a
// fresh profile in it.
func s3Server(t *testing.T) (*s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	var b [4]byte
	rand.Read(b[:])
	return srv, "s3://" + srv.Bucket(t) + "/alice-" + hex.EncodeToString(b[:])
}

// s3Open opens the profile as the test's own client, to look at the objects.
func s3Open(t *testing.T, url string) *s3.Store {
	t.Helper()
	st, err := s3.Open(context.Background(), url, s3.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func s3Read(t *testing.T, st store.Store, rel string) (string, store.Info) {
	t.Helper()
	rc, info, err := st.Open(context.Background(), rel)
	if err != nil {
		return "", store.Info{}
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b), info
}

// TestS3RoundTrip is the spine through S3: a first logon creates the profile
// in the bucket, the session's edits reach it at logoff with their modes and
// nanosecond times in metadata, a second machine gets them, its edit comes
// back to the first without a conflict, and a symlink roams as a symlink.
func TestS3RoundTrip(t *testing.T) {
	_, url := s3Server(t)
	a := newMachine(t, url)
	a.logon()
	write(t, a.p("Documents/report.txt"), "report v1")
	if err := os.MkdirAll(a.p("Documents/Projects/Q1"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, a.p("Documents/Projects/Q1/plan.md"), "# plan\n")
	if err := os.Symlink("../Documents/report.txt", a.p("Desktop/report.lnk")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(a.p("Documents/report.txt"), 0o640)
	stamp := time.Date(2019, 3, 4, 5, 6, 7, 123456789, time.UTC)
	os.Chtimes(a.p("Documents/report.txt"), stamp, stamp)
	a.logoff()

	st := s3Open(t, url)
	if got, info := s3Read(t, st, "Documents/report.txt"); got != "report v1" || !info.MTime.Equal(stamp) || info.Mode != 0o640 {
		t.Errorf("bucket's Documents/report.txt = %q, %+v; want mtime %v, mode 0640", got, info, stamp)
	}
	if info, err := st.Stat(context.Background(), "Desktop/report.lnk"); err != nil || info.Kind != store.KindSymlink || info.Target != "../Documents/report.txt" {
		t.Errorf("bucket's Desktop/report.lnk = %+v, %v; want a symlink", info, err)
	}
	if _, err := st.Stat(context.Background(), "NTUSER.DAT"); err != nil {
		t.Errorf("the hive is not in the bucket: %v", err)
	}

	b := newMachine(t, url)
	b.logon()
	if got, err := os.ReadFile(b.p("Documents/Projects/Q1/plan.md")); err != nil || string(got) != "# plan\n" {
		t.Errorf("second machine: plan.md = %q, %v", got, err)
	}
	if target, err := os.Readlink(b.p("Desktop/report.lnk")); err != nil || target != "../Documents/report.txt" {
		t.Errorf("second machine: report.lnk -> %q, %v", target, err)
	}
	write(t, b.p("Documents/report.txt"), "report v2 from b")
	if res := b.logoff(); res.Conflicts != 0 || res.Uploaded != 1 {
		t.Errorf("second machine's logoff: %+v; want 1 upload, no conflict", res)
	}
	a.logon()
	if got, err := os.ReadFile(a.p("Documents/report.txt")); err != nil || string(got) != "report v2 from b" {
		t.Errorf("first machine again: report.txt = %q, %v", got, err)
	}
	if res := a.logoff(); res.Conflicts != 0 || res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("a logoff with no change: %+v; want nothing done", res)
	}
}

// TestS3Merge: two machines logged on at once change different files, the
// same file, and one deletes what the other did not touch; the logoff rules
// apply as on a share: both edits kept, the older of the same-file edits as
// a conflict copy, the deletion done.
func TestS3Merge(t *testing.T) {
	_, url := s3Server(t)
	a := newMachine(t, url)
	a.logon()
	write(t, a.p("Documents/shared.txt"), "v0")
	write(t, a.p("Documents/old.txt"), "old")
	a.logoff()
	b := newMachine(t, url)
	a.logon()
	b.logon()
	write(t, a.p("Documents/a.txt"), "from a")
	write(t, a.p("Documents/shared.txt"), "shared from a")
	write(t, b.p("Documents/b.txt"), "from b")
	if err := os.Remove(b.p("Documents/old.txt")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	write(t, b.p("Documents/shared.txt"), "shared from b") // newer
	a.logoff()
	if res := b.logoff(); res.Conflicts != 1 {
		t.Errorf("second logoff: %+v; want one conflict", res)
	}
	st := s3Open(t, url)
	for rel, want := range map[string]string{"Documents/a.txt": "from a", "Documents/b.txt": "from b", "Documents/shared.txt": "shared from b"} {
		if got, _ := s3Read(t, st, rel); got != want {
			t.Errorf("bucket's %s = %q, want %q", rel, got, want)
		}
	}
	if _, err := st.Stat(context.Background(), "Documents/old.txt"); err == nil {
		t.Error("old.txt, deleted on b, is still in the bucket")
	}
	if !s3Holds(t, st, "Documents", "shared from a") {
		t.Error("a's version of shared.txt is lost (no conflict copy)")
	}
}

// s3Holds reports whether a file under dir has content.
func s3Holds(t *testing.T, st store.Store, dir, content string) bool {
	t.Helper()
	found := false
	st.Walk(context.Background(), dir, func(i store.Info) error {
		if got, _ := s3Read(t, st, i.Path); i.Kind == store.KindFile && got == content {
			found = true
		}
		return nil
	})
	return found
}

// TestS3ConcurrentLogoffs: two machines log off the same profile at the same
// moment, each having changed the same file and one of its own, three times
// over; the conditional write of the profile's metadata lets one win and
// the other merge again, so every version survives.
func TestS3ConcurrentLogoffs(t *testing.T) {
	_, url := s3Server(t)
	a, b := newMachine(t, url), newMachine(t, url)
	a.logon()
	a.logoff()
	st := s3Open(t, url)
	for round := range 3 {
		a.logon()
		b.logon()
		for _, m := range []struct {
			m    *machine
			name string
		}{{a, "a"}, {b, "b"}} {
			write(t, m.m.p("Documents/shared.txt"), fmt.Sprintf("%s%d", m.name, round))
			write(t, m.m.p(fmt.Sprintf("Documents/%s%d.txt", m.name, round)), m.name)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]syncResult, 2)
		for i, m := range []*machine{a, b} {
			wg.Go(func() { <-start; results[i] = m.logoff() })
		}
		close(start)
		wg.Wait()
		if results[0].Conflicts+results[1].Conflicts == 0 {
			t.Errorf("round %d: %+v; want the conflict reported", round, results)
		}
		for _, c := range []string{fmt.Sprintf("a%d", round), fmt.Sprintf("b%d", round)} {
			if !s3Holds(t, st, "Documents", c) {
				t.Errorf("round %d: %q lost", round, c)
			}
		}
		for _, f := range []string{fmt.Sprintf("Documents/a%d.txt", round), fmt.Sprintf("Documents/b%d.txt", round)} {
			if _, err := st.Stat(context.Background(), f); err != nil {
				t.Errorf("round %d: %s lost: %v", round, f, err)
			}
		}
	}
}

// TestS3KilledMidLogoff: versitygw dies in the middle of a logoff. The logoff
// exits 1 and keeps the journal; once the server is back, `roamfs sync`
// finishes it, and no object is ever torn.
func TestS3KilledMidLogoff(t *testing.T) {
	srv, url := s3Server(t)
	m := newMachine(t, url)
	m.logon()
	if err := os.MkdirAll(m.p("Documents/many"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("0123456789abcdef", 4096) // 64 KiB
	const n = 300
	for i := range n {
		write(t, m.p(filepath.Join("Documents/many", name(i))), body)
	}
	// The posix backend keeps each object as a file of the same name.
	onDisk := filepath.Join(srv.Dir, strings.TrimPrefix(url, "s3://"), "Documents", "many")
	done := make(chan cliResult, 1)
	go func() { r, _ := roamfs("logoff", m.mnt); done <- r }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if es, _ := os.ReadDir(onDisk); len(es) >= 5 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	srv.Kill()
	r := <-done
	if r.code != 1 {
		t.Fatalf("logoff with the server killed: exit %d, %q; want 1", r.code, r.stderr)
	}
	t.Logf("logoff with the server killed says: %s", strings.TrimSpace(r.stderr))
	m.waitDaemon()
	if st := relStatusOf(t, m.cache); st.PendingChanges == 0 {
		t.Errorf("journal not kept after the failed logoff: %+v", st)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	st := s3Open(t, url)
	torn := func() int {
		count := 0
		st.Walk(context.Background(), "Documents/many", func(i store.Info) error {
			count++
			if got, _ := s3Read(t, st, i.Path); got != body {
				t.Errorf("torn object %s (%d bytes)", i.Path, len(got))
			}
			return nil
		})
		return count
	}
	torn()
	if r := relRoamfs(t, "sync", "--cache", m.cache); r.code != 0 {
		t.Fatalf("roamfs sync after the server restarted: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := torn(); got != n {
		t.Errorf("%d objects after sync, want %d", got, n)
	}
}

// TestS3BadBucketOrKey: a bucket that does not exist and a wrong secret are
// configuration errors: logon exits 2 saying which bucket at which endpoint,
// shows no secret, and mounts nothing.
func TestS3BadBucketOrKey(t *testing.T) {
	srv, url := s3Server(t)
	m := newMachine(t, url)
	t.Setenv("AWS_ENDPOINT_URL", "")
	r, err := roamfs("logon", "--server", "s3://no-such-bucket/alice", "--s3-endpoint", srv.Endpoint(), "--s3-path-style", "--cache", m.cache, m.mnt)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 2 || !strings.Contains(r.stderr, "no-such-bucket") || !strings.Contains(r.stderr, srv.Endpoint()) {
		t.Errorf("logon to a missing bucket: exit %d, %q; want 2 naming bucket and endpoint", r.code, r.stderr)
	}
	const wrong = "not-the-secret-at-all"
	t.Setenv("AWS_SECRET_ACCESS_KEY", wrong)
	r, _ = roamfs("logon", "--server", url, "--s3-endpoint", srv.Endpoint(), "--cache", m.cache, m.mnt)
	if r.code != 2 || !strings.Contains(r.stderr, "refused the access key") {
		t.Errorf("logon with a wrong secret: exit %d, %q; want 2 saying the key was refused", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, wrong) || strings.Contains(r.stdout+r.stderr, s3test.Secret) {
		t.Error("a secret is shown")
	}
	if isMounted(m.mnt) {
		t.Error("mounted with a wrong secret")
	}
	// The right key, the endpoint only on the command line: the daemon gets
	// it too, and the logoff reaches the server.
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.Secret)
	must(t, "logon", "--server", url, "--s3-endpoint", srv.Endpoint(), "--s3-path-style", "--cache", m.cache, m.mnt)
	write(t, m.p("Documents/x.txt"), "x")
	m.pid = m.status().PID
	m.logoff()
	t.Setenv("AWS_ENDPOINT_URL", srv.Endpoint())
	if got, _ := s3Read(t, s3Open(t, url), "Documents/x.txt"); got != "x" {
		t.Errorf("bucket's Documents/x.txt = %q", got)
	}
}
