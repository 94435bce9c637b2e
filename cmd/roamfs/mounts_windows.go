package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
)

// machineDir is roamfs' folder for the whole machine: caches, the mount list
// and the service's own log.
func machineDir() string {
	base := os.Getenv("ProgramData")
	if base == "" {
		base = `C:\ProgramData`
	}
	return filepath.Join(base, "roamfs")
}

// Windows keeps no mount table that names a WinFsp mount's source, so each
// session records its mount point → cache in a machine-wide folder that both
// the service (SYSTEM) and the user's `roamfs logoff` can read.
func mountListDir() string { return filepath.Join(machineDir(), "mounts") }

// mountRecord names a mount point's entry: NTFS paths compare without case.
func mountRecord(mnt string) string {
	abs, err := filepath.Abs(mnt)
	if err != nil {
		abs = mnt
	}
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(abs))))
	return filepath.Join(mountListDir(), hex.EncodeToString(sum[:16]))
}

func recordMount(mnt, cache string) error {
	if err := os.MkdirAll(mountListDir(), 0o755); err != nil {
		return err
	}
	return os.WriteFile(mountRecord(mnt), []byte(cache), 0o644)
}

func forgetMount(mnt string) { os.Remove(mountRecord(mnt)) }

// mountSource returns the cache of the roamfs mount at mnt. WinFsp's mount
// point exists only while it is mounted, so an entry whose mount point is
// gone was left by a killed session and is dropped.
func mountSource(mnt string) (string, bool) {
	b, err := os.ReadFile(mountRecord(mnt))
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(mnt); err != nil {
		forgetMount(mnt)
		return "", false
	}
	return string(b), true
}
