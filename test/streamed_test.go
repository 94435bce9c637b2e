package test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The streamed logon (issue 13) through the built binary and real mounts:
// the mount is ready before the data is local, an open fetches its file, the
// background fill brings the rest, and the merge rules hold throughout.

// serverTree writes n files of varied sizes (0 to ~400 KB, a few larger)
// straight into a server copy, as an administrator's copy would, and returns
// their checksums.
func serverTree(t *testing.T, server string, n int, seed uint64) map[string]string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	dirs := []string{"Documents", "Documents/Work", "Desktop", "AppData/Roaming/App", "Pictures", "Music/Old"}
	sums := map[string]string{}
	for i := range n {
		rel := fmt.Sprintf("%s/f%03d.bin", dirs[i%len(dirs)], i)
		size := rng.IntN(16 << 10)
		switch i % 10 {
		case 0:
			size = rng.IntN(400 << 10)
		case 1:
			size = 0
		}
		if i == 3 {
			size = 8 << 20
		}
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		p := filepath.Join(server, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		os.Chtimes(p, at, at)
		sums[rel] = sha(data)
	}
	return sums
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func fileSum(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Errorf("read %s: %v", p, err)
		return ""
	}
	return sha(b)
}

// streamStatus is what `status --json` says of the fill.
type streamStatus struct {
	FilesPending *int   `json:"FilesPending"`
	BytesPending *int64 `json:"BytesPending"`
}

func (m *machine) pending() (int, int64) {
	m.t.Helper()
	var st streamStatus
	out := must(m.t, "status", "--json", "--cache", m.cache)
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.FilesPending == nil || st.BytesPending == nil {
		m.t.Fatalf("status --json without FilesPending/BytesPending: %s (%v)", out, err)
	}
	return *st.FilesPending, *st.BytesPending
}

// waitFilled waits for the background fill to finish.
func (m *machine) waitFilled() {
	m.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, _ := m.pending()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("background fill not done after 2 minutes: %d files pending", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logLines counts the lines of the daemon's log that contain every one of subs.
func (m *machine) logLines(subs ...string) int {
	m.t.Helper()
	data, _ := os.ReadFile(filepath.Join(m.cache, "state", "roamfs.log"))
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(l, s)
		}
		if all {
			n++
		}
	}
	return n
}

func checkServer(t *testing.T, server string, sums map[string]string) {
	t.Helper()
	for rel, want := range sums {
		if got := fileSum(t, filepath.Join(server, rel)); got != want {
			t.Errorf("server %s changed", rel)
		}
	}
}

// TestStreamedFillRacesOpens: opens in random order race the background fill;
// every byte read is the server's, and an untouched profile's logoff leaves
// the server as it was.
func TestStreamedFillRacesOpens(t *testing.T) {
	server := newServer(t)
	sums := serverTree(t, server, 240, 1)
	m := newMachine(t, server)
	m.logon()
	// stat answers with the server's size before the data is there.
	if fi, err := os.Stat(m.p("AppData/Roaming/App/f003.bin")); err != nil || fi.Size() != 8<<20 {
		t.Errorf("stat of a file not yet local: %v", err)
	}
	rels := make([]string, 0, len(sums))
	for rel := range sums {
		rels = append(rels, rel)
	}
	rand.Shuffle(len(rels), func(i, j int) { rels[i], rels[j] = rels[j], rels[i] })
	var wg sync.WaitGroup
	next := make(chan string)
	for range 6 {
		wg.Go(func() {
			for rel := range next {
				if got := fileSum(t, m.p(rel)); got != sums[rel] {
					t.Errorf("%s read through the mount differs from the server's", rel)
				}
			}
		})
	}
	for _, rel := range rels {
		next <- rel
	}
	close(next)
	wg.Wait()
	m.waitFilled()
	for rel, want := range sums {
		if got := fileSum(t, filepath.Join(m.cache, "profile", rel)); got != want {
			t.Errorf("cache %s after the fill differs from the server's", rel)
		}
	}
	if m.logLines(`"event_id":1602`) == 0 {
		t.Error("no fill-finished event")
	}
	// The logon left the data to the fill (not a copy before the mount).
	// Asked after the logon, the status races the fill of 240 files.
	if m.logLines(`"event_id":1601`) == 0 || m.logLines(`"event_id":1601`, `"files":0,`) > 0 {
		t.Error("the fill started with nothing to fetch: the logon copied the profile")
	}
	res := m.logoff()
	if res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("logoff of an untouched profile: %+v", res)
	}
	checkServer(t, server, sums)
}

// TestStreamedServerChangedBeforeOpen: another machine logged off a new
// version between this logon and the first open: the open reads it.
func TestStreamedServerChangedBeforeOpen(t *testing.T) {
	server := newServer(t)
	serverTree(t, server, 20, 2)
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\n")
	m.logon()
	rel := "Documents/f006.bin"
	if _, err := os.Stat(m.p(rel)); err != nil { // the kernel caches the placeholder's size
		t.Fatal(err)
	}
	b := newMachine(t, server)
	b.setPolicy("PSEnabled: false\n")
	b.logon()
	newer := strings.Repeat("written on machine B after A's logon; ", 3000)
	if err := os.WriteFile(b.p(rel), []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	b.logoff()
	got, err := os.ReadFile(m.p(rel))
	if err != nil || string(got) != newer {
		t.Fatalf("open after the server changed: %v, %d bytes, want B's %d", err, len(got), len(newer))
	}
	if fi, err := os.Stat(m.p(rel)); err != nil || fi.Size() != int64(len(newer)) {
		t.Errorf("stat after the fetch: %v, want size %d", err, len(newer))
	}
	if res := m.logoff(); res.Uploaded != 0 {
		t.Errorf("a file only fetched went up: %+v", res)
	}
	if got, _ := os.ReadFile(filepath.Join(server, rel)); string(got) != newer {
		t.Error("B's version lost on the server")
	}
}

// TestStreamedChangesBeforeFetch: files deleted, renamed, truncated with
// O_TRUNC before they were read need no download and sync as any change.
func TestStreamedChangesBeforeFetch(t *testing.T) {
	server := newServer(t)
	sums := serverTree(t, server, 30, 3)
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\n")
	m.logon()
	if err := os.Remove(m.p("Documents/f000.bin")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(m.p("Desktop/f002.bin"), m.p("Desktop/renamed.bin")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(m.p("Music/Old"), m.p("Music/New")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.p("Pictures/f004.bin"), []byte("replaced"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := m.logLines(`"event_id":1606`); n != 0 {
		t.Errorf("%d files fetched for changes that need no data", n)
	}
	// Reading the renamed files gives the data they stand for.
	if got := fileSum(t, m.p("Desktop/renamed.bin")); got != sums["Desktop/f002.bin"] {
		t.Error("renamed placeholder read wrong")
	}
	m.logoff()
	for _, gone := range []string{"Documents/f000.bin", "Desktop/f002.bin", "Music/Old/f005.bin"} {
		if _, err := os.Stat(filepath.Join(server, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still on the server: %v", gone, err)
		}
	}
	if got := fileSum(t, filepath.Join(server, "Desktop/renamed.bin")); got != sums["Desktop/f002.bin"] {
		t.Error("renamed file on the server is not the original's data")
	}
	if got := fileSum(t, filepath.Join(server, "Music/New/f005.bin")); got != sums["Music/Old/f005.bin"] {
		t.Error("a file of a renamed folder, never read, is not the original's data on the server")
	}
	if got, _ := os.ReadFile(filepath.Join(server, "Pictures/f004.bin")); string(got) != "replaced" {
		t.Errorf("truncated file on the server: %q", got)
	}
	delete(sums, "Documents/f000.bin")
	delete(sums, "Desktop/f002.bin")
	delete(sums, "Pictures/f004.bin")
	for rel := range sums {
		if strings.HasPrefix(rel, "Music/Old/") {
			delete(sums, rel)
		}
	}
	checkServer(t, server, sums)
}

// TestStreamedFetchFails: a file whose server data cannot be read fails to
// open with EIO within the bound, with an event; once it is back, it opens.
func TestStreamedFetchFails(t *testing.T) {
	server := newServer(t)
	sums := serverTree(t, server, 12, 4)
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\nPSFetchTimeout: 1s\n")
	m.logon()
	away := filepath.Join(filepath.Dir(server), "away")
	if err := os.Rename(filepath.Join(server, "Desktop"), away); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := os.ReadFile(m.p("Desktop/f002.bin"))
	if !errors.Is(err, syscall.EIO) {
		t.Errorf("open of a file whose data is away: %v, want EIO", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the failing open took %v", d)
	}
	if m.logLines(`"event_id":1604`, "Desktop/f002.bin") == 0 {
		t.Error("no event names the file that could not be fetched")
	}
	if got := fileSum(t, m.p("Documents/f000.bin")); got != sums["Documents/f000.bin"] {
		t.Error("another file is unaffected")
	}
	if err := os.Rename(away, filepath.Join(server, "Desktop")); err != nil {
		t.Fatal(err)
	}
	if got := fileSum(t, m.p("Desktop/f002.bin")); got != sums["Desktop/f002.bin"] {
		t.Error("open after the data came back")
	}
	m.logoff()
	checkServer(t, server, sums)
}

// TestStreamedConcurrentReaders: readers of one file not yet local share one
// download.
func TestStreamedConcurrentReaders(t *testing.T) {
	server := newServer(t)
	sums := serverTree(t, server, 8, 5)
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\n")
	m.logon()
	rel := "AppData/Roaming/App/f003.bin" // 8 MB
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := fileSum(t, m.p(rel)); got != sums[rel] {
				t.Error("concurrent read differs from the server's")
			}
		})
	}
	wg.Wait()
	if n := m.logLines(`"event_id":1606`, rel); n != 1 {
		t.Errorf("%d downloads of one file for 4 readers, want 1", n)
	}
	m.logoff()
}

// TestStreamedKilledDuringFill: a daemon killed during the fill leaves
// placeholders; the next logon finishes the fill, every byte right.
func TestStreamedKilledDuringFill(t *testing.T) {
	server := newServer(t)
	sums := serverTree(t, server, 200, 6)
	m := newMachine(t, server)
	m.logon()
	unix.Kill(m.pid, unix.SIGKILL)
	m.forceDown()
	m.logon()
	m.waitFilled()
	for rel, want := range sums {
		if got := fileSum(t, m.p(rel)); got != want {
			t.Errorf("%s after a killed fill and a new logon differs from the server's", rel)
		}
	}
	if res := m.logoff(); res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("logoff after a killed fill: %+v", res)
	}
	checkServer(t, server, sums)
}

// TestStreamedLogoffDuringFill: a logoff right after logon cancels the fill
// and uploads only what changed.
func TestStreamedLogoffDuringFill(t *testing.T) {
	server := newServer(t)
	sums := serverTree(t, server, 200, 7)
	m := newMachine(t, server)
	m.logon()
	if err := os.WriteFile(m.p("Documents/mine.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := m.logoff()
	if res.Uploaded != 1 || res.Deleted != 0 {
		t.Errorf("logoff during the fill: %+v, want the one new file", res)
	}
	checkServer(t, server, sums)
	if got, _ := os.ReadFile(filepath.Join(server, "Documents/mine.txt")); string(got) != "mine" {
		t.Error("the new file was not uploaded")
	}
	// The next logon goes on where the fill stopped.
	m.logon()
	m.waitFilled()
	for rel, want := range sums {
		if got := fileSum(t, filepath.Join(m.cache, "profile", rel)); got != want {
			t.Errorf("cache %s differs from the server's", rel)
		}
	}
	m.logoff()
}
