package test

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Lazy folders of the streamed logon (issue 13 item 9) through the built
// binary and real mounts: the logon creates the server's folders empty and
// marks them; what lies below appears when a folder is first looked into, or
// when the background fill materializes it.

// deepTree writes n files spread over folders up to six levels deep straight
// into a server copy, and returns their checksums.
func deepTree(t *testing.T, server string, n int, seed uint64) map[string]string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	sums := map[string]string{}
	tops := []string{"Documents", "Desktop", "AppData/Roaming", "Pictures", "Music"}
	for i := range n {
		d := tops[i%len(tops)]
		for depth := rng.IntN(6); depth > 0; depth-- {
			d = fmt.Sprintf("%s/d%d", d, rng.IntN(3))
		}
		rel := fmt.Sprintf("%s/f%04d.bin", d, i)
		size := rng.IntN(24 << 10)
		if i%9 == 0 {
			size = 0
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
		at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC).Add(time.Duration(i) * time.Second)
		os.Chtimes(p, at, at)
		sums[rel] = sha(data)
	}
	return sums
}

// listing walks dir: every entry's path, "dir" or its size.
func listing(t *testing.T, dir string, skip func(rel string) bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			out[rel] = "dir"
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[rel] = fmt.Sprint(fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// notProfile leaves out what a mount holds besides the server's tree (the
// nonroaming folders, the hive) and the server's own files.
func notProfile(rel string) bool {
	top := strings.SplitN(rel, "/", 2)[0]
	return strings.HasPrefix(top, ".roamfs") || top == "NTUSER.DAT" ||
		strings.HasPrefix(rel, "AppData/Local") // Local, LocalLow
}

func diffListings(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	var d []string
	for k, v := range want {
		if got[k] != v {
			d = append(d, fmt.Sprintf("%s: %q, want %q", k, got[k], v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, k+": not on the server")
		}
	}
	sort.Strings(d)
	if len(d) > 0 {
		t.Errorf("%s differs from the server (%d): %v", what, len(d), d[:min(len(d), 10)])
	}
}

// TestLazyFindThroughMount: right after logon, find through the mount lists
// exactly the server's tree, racing the fill, and every file reads right.
func TestLazyFindThroughMount(t *testing.T) {
	server := newServer(t)
	sums := deepTree(t, server, 400, 1)
	m := newMachine(t, server)
	m.logon()
	if n, _ := m.pending(); n == 0 {
		t.Error("nothing pending right after the logon")
	}
	if m.logLines("every folder of the profile is materialized") > 0 {
		t.Log("the fill materialized every folder before the listing (a slow machine); the race is weaker")
	}
	want := listing(t, server, notProfile)
	// find(1) first, as a user would: its own walk, its own use of nlink.
	out, err := exec.Command("find", m.mnt, "-mindepth", "1", "-printf", "%y %s %P\\n").Output()
	if err != nil {
		t.Fatalf("find through the mount: %v", err)
	}
	found := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(l, " ", 3)
		if len(f) < 3 || notProfile(f[2]) {
			continue
		}
		found[f[2]] = f[1]
		if f[0] == "d" {
			found[f[2]] = "dir"
		}
	}
	diffListings(t, "find through the mount", want, found)
	diffListings(t, "a walk through the mount", want, listing(t, m.mnt, notProfile))
	var wg sync.WaitGroup
	next := make(chan string)
	for range 4 {
		wg.Go(func() {
			for rel := range next {
				if got := fileSum(t, m.p(rel)); got != sums[rel] {
					t.Errorf("%s read through the mount differs from the server's", rel)
				}
			}
		})
	}
	for rel := range sums {
		next <- rel
	}
	close(next)
	wg.Wait()
	m.waitFilled()
	diffListings(t, "the cache after the fill", want, listing(t, filepath.Join(m.cache, "profile"), notProfile))
	if res := m.logoff(); res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("logoff of an untouched profile: %+v", res)
	}
	checkServer(t, server, sums)
	diffListings(t, "the server after the logoff", want, listing(t, server, notProfile))
}

// TestLazyKilledBeforeFill: a daemon killed right after the logon, its
// folders not materialized, leaves the next logon a complete, correct
// profile; nothing is deleted on the server.
func TestLazyKilledBeforeFill(t *testing.T) {
	server := newServer(t)
	sums := deepTree(t, server, 300, 2)
	want := listing(t, server, notProfile)
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\n")
	m.logon()
	// One folder looked into, the rest not.
	if _, err := os.ReadDir(m.p("Documents")); err != nil {
		t.Fatal(err)
	}
	unix.Kill(m.pid, unix.SIGKILL)
	m.forceDown()
	m.setPolicy("")
	m.logon()
	m.waitFilled()
	diffListings(t, "the mount after a kill and a new logon", want, listing(t, m.mnt, notProfile))
	for rel, w := range sums {
		if got := fileSum(t, m.p(rel)); got != w {
			t.Errorf("%s differs from the server's", rel)
		}
	}
	if res := m.logoff(); res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("logoff: %+v", res)
	}
	checkServer(t, server, sums)
	diffListings(t, "the server", want, listing(t, server, notProfile))
}

// TestLazyLogoffRightAfterLogon: nothing looked at, nothing changed.
func TestLazyLogoffRightAfterLogon(t *testing.T) {
	server := newServer(t)
	sums := deepTree(t, server, 200, 3)
	want := listing(t, server, notProfile)
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\n")
	m.logon()
	// The folders are there, empty in the cache: nobody looked into them.
	for _, d := range []string{"Documents", "Pictures", "Music"} {
		if ents, err := os.ReadDir(filepath.Join(m.cache, "profile", d)); err != nil || len(ents) > 0 {
			t.Errorf("cache folder %s right after the logon: %d entries, %v; want it empty (not materialized)", d, len(ents), err)
		}
	}
	if res := m.logoff(); res.Uploaded != 0 || res.Deleted != 0 {
		t.Errorf("logoff: %+v", res)
	}
	checkServer(t, server, sums)
	diffListings(t, "the server", want, listing(t, server, notProfile))
	// And the next logon on this machine brings the rest as it is.
	m.setPolicy("")
	m.logon()
	m.waitFilled()
	diffListings(t, "the mount at the next logon", want, listing(t, m.mnt, notProfile))
	m.logoff()
}

// TestLazyRenameAndRemoveFolders: rename and rm -r of folders nobody looked
// into yet sync as any rename and delete.
func TestLazyRenameAndRemoveFolders(t *testing.T) {
	server := newServer(t)
	sums := deepTree(t, server, 300, 4)
	m := newMachine(t, server)
	m.setPolicy("PSAlwaysCache: false\n")
	m.logon()
	if err := os.Rename(m.p("Pictures"), m.p("Pics")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(m.p("Music")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Rmdir(m.p("Documents")); err == nil {
		t.Fatal("rmdir of a folder whose files are on the server succeeded")
	}
	if _, err := os.Stat(m.p("Music")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Music after rm -r: %v", err)
	}
	m.logoff()
	for rel, w := range sums {
		switch {
		case strings.HasPrefix(rel, "Music/"):
			if _, err := os.Stat(filepath.Join(server, rel)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s still on the server: %v", rel, err)
			}
		case strings.HasPrefix(rel, "Pictures/"):
			moved := "Pics/" + strings.TrimPrefix(rel, "Pictures/")
			if got := fileSum(t, filepath.Join(server, moved)); got != w {
				t.Errorf("%s on the server is not %s's data", moved, rel)
			}
			if _, err := os.Stat(filepath.Join(server, rel)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s still on the server after the rename: %v", rel, err)
			}
		default:
			if got := fileSum(t, filepath.Join(server, rel)); got != w {
				t.Errorf("server %s changed", rel)
			}
		}
	}
}
