//go:build linux

package fstest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"roamfs/internal/mountinfo"
	"roamfs/overlay"
)

// Unmount registers the unmount of mnt in t.Cleanup. EBUSY (a file still
// being released) is retried for a while. Afterwards the run fails if mnt is
// still mounted or the daemon still holds a file of the cache open: a front end
// must release everything by the time it is unmounted.
func Unmount(t *testing.T, mnt string, p *overlay.Profile, unmount func() error) {
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := unmount()
			if err == nil {
				break
			}
			if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
				t.Errorf("unmount %s: %v", mnt, err)
				// Detach it all the same, so the run does not hang on it.
				_ = unix.Unmount(mnt, unix.MNT_DETACH)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		if mounted(t, mnt) {
			t.Errorf("%s is still mounted after unmount", mnt)
			_ = unix.Unmount(mnt, unix.MNT_DETACH)
		}
		// The kernel sends RELEASE asynchronously: the last one may still be
		// on its way through the server loop when the unmount returns.
		open := OpenUnder(p.Root())
		for wait := time.Now().Add(5 * time.Second); len(open) > 0 && time.Now().Before(wait); open = OpenUnder(p.Root()) {
			time.Sleep(20 * time.Millisecond)
		}
		if len(open) > 0 {
			t.Errorf("files of the cache still open after unmount: %v", open)
		}
	})
}

func mounted(t *testing.T, mnt string) bool {
	ms, err := mountinfo.Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Dir == mnt {
			return true
		}
	}
	return false
}

// OpenUnder lists this process's descriptors on files below root (root itself
// is the profile's own descriptor): what a front end left open.
func OpenUnder(root string) []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var open []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, root+"/") {
			open = append(open, target)
		}
	}
	return open
}
