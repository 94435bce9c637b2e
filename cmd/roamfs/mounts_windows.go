package main

import (
	"os"
	"path/filepath"
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

// mounts is the machine's mount list (mountlist.go), in a folder both the
// service (SYSTEM) and the user's `roamfs logoff` can read.
func mounts() mountList { return mountList{mountListDir()} }

func mountListDir() string { return filepath.Join(machineDir(), "mounts") }

// recordMount is called by the daemon, which runs as SYSTEM when the
// service started it, so it may create the mount list and set its ACL.
func recordMount(mnt, cache string) error {
	if err := makeMachineDirs(); err != nil {
		return err
	}
	return mounts().record(mnt, cache)
}

// forgetMount drops mnt's entry. A user's own `roamfs logoff` cannot (the
// mount list is read-only to users); the entry then stays until the next
// logon at mnt overwrites it, and a repeated logoff finds nothing to sync.
func forgetMount(mnt string) { mounts().forget(mnt) }

// mountSource returns the cache of the live roamfs mount at mnt, for
// logon's "already mounted" refusal.
func mountSource(mnt string) (string, bool) { return mounts().live(mnt) }

// logoffSource is where `roamfs logoff` finds the session: the recorded
// entry, so that a session whose daemon was killed (WinFsp removed its mount
// point with it) is still synced from its cache by logoffDead.
func logoffSource(mnt string) (string, bool) { return mounts().recorded(mnt) }

// forgetDeadMount drops a killed session's entry once logoffDead has synced
// its cache; if that sync fails the entry stays, so logoff can be retried.
func forgetDeadMount(mnt string) { forgetMount(mnt) }
