package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUserSyncOwner: a sync root runs without the session for a --user
// profile (`roamfs sync` after a killed session, `sync --full` after the
// cache was edited unmounted) gives what it brings into the cache to the
// profile's user, as the session does: the user must be able to open it at
// the next logon. Both bring the server's version of a conflict into the
// cache.
func TestUserSyncOwner(t *testing.T) {
	owner := hpAccount(t, "rftest")
	m := newMachine(t, newServer(t))
	hpOpenToOthers(t, m.mnt)
	hpLogonAs(m, "--user", owner.Name)
	if out, err := owner.run("echo mine > " + hpQuote(m.p("Documents/a.txt"))); err != nil {
		t.Fatalf("as %s: write Documents/a.txt: %v: %s", owner.Name, err, out)
	}
	m.logoff()

	server := filepath.Join(m.server, "Documents", "a.txt")
	cached := filepath.Join(m.cache, "profile", "Documents", "a.txt")
	// serverWrites is another machine's newer version of a.txt.
	serverWrites := func(data string, ahead time.Duration) {
		t.Helper()
		hpWriteFile(t, server, []byte(data))
		at := time.Now().Add(ahead)
		if err := os.Chtimes(server, at, at); err != nil {
			t.Fatal(err)
		}
	}
	cacheGot := func(how, want string) {
		t.Helper()
		if why := hpFileIs(cached, []byte(want)); why != "" {
			t.Fatalf("after %s, the cache's Documents/a.txt: %s", how, why)
		}
		if uid, gid := polOwner(t, cached); uid != owner.UID || gid != owner.GID {
			t.Errorf("after %s run by root, the cache's Documents/a.txt belongs to %d:%d, want %s's %d:%d",
				how, uid, gid, owner.Name, owner.UID, owner.GID)
		}
	}

	// A session killed with a change pending; another machine wrote a.txt
	// later. The sync keeps the server's newer version and brings it into
	// the cache.
	hpLogonAs(m, "--user", owner.Name)
	if out, err := owner.run("echo local > " + hpQuote(m.p("Documents/a.txt"))); err != nil {
		t.Fatalf("as %s: write Documents/a.txt: %v: %s", owner.Name, err, out)
	}
	relKillDaemon(t, m, nil, nil)
	serverWrites("server\n", time.Hour)
	if out := must(t, "sync", "--cache", m.cache); !strings.Contains(out, "1 conflicts") {
		t.Errorf("sync after the killed session printed %q, want one conflict", out)
	}
	cacheGot("sync", "server\n")

	// The cache edited while unmounted, and a newer server version again.
	hpWriteFile(t, cached, []byte("edited\n"))
	serverWrites("server 2\n", 2*time.Hour)
	if out := must(t, "sync", "--full", "--cache", m.cache); !strings.Contains(out, "1 conflicts") {
		t.Errorf("sync --full printed %q, want one conflict", out)
	}
	cacheGot("sync --full", "server 2\n")
}
