package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
)

// mountList is the record of roamfs mounts that Windows needs because it
// keeps no mount table naming a WinFsp mount's source: one file per mount
// point, holding its cache. It lives in mounts_windows.go's folder; it is
// portable so that its rules are tested on Linux.
type mountList struct{ dir string }

// entry names a mount point's file: NTFS paths compare without case.
func (ml mountList) entry(mnt string) string {
	abs, err := filepath.Abs(mnt)
	if err != nil {
		abs = mnt
	}
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(abs))))
	return filepath.Join(ml.dir, hex.EncodeToString(sum[:16]))
}

func (ml mountList) record(mnt, cache string) error {
	return os.WriteFile(ml.entry(mnt), []byte(cache), 0o644)
}

func (ml mountList) forget(mnt string) { os.Remove(ml.entry(mnt)) }

// recorded returns the cache a session recorded for mnt, whether or not its
// daemon still serves it.
func (ml mountList) recorded(mnt string) (string, bool) {
	b, err := os.ReadFile(ml.entry(mnt))
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}

// live returns the cache of the mount at mnt only while it is mounted:
// WinFsp's mount point exists only then, so an entry whose mount point is
// gone was left by a killed session. That is no mount (a logon may mount
// there again), but the entry stays for logoff to sync its cache.
func (ml mountList) live(mnt string) (string, bool) {
	cache, ok := ml.recorded(mnt)
	if !ok {
		return "", false
	}
	if _, err := os.Stat(mnt); err != nil {
		return "", false
	}
	return cache, true
}
